#!/usr/bin/env python3
# Writes N leads with the columns of examples/data/leads.csv, for the workspace tests
# and bench/bench_workspace.sh:  gen_leads.py N PATH
# Every tenth lead is not Open; every third is Contacted (the others New).
import sys

def gen(n, path):
    """n leads (the columns of examples/data/leads.csv); every tenth is not Open, every
    third is Contacted (the others New)."""
    first = ["Ana", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas"]
    last = ["Ruiz", "Okafor", "Martin", "Patel", "Novak", "Haddad", "Lee", "Schmidt", "Costa", "Berg"]
    status = ["New", "New", "Contacted"]
    quality = ["", "Warm", "Hot", "Cold"]
    source = ["Web", "Seminar", "Trade Show", "Partner", "Advertisement", "Word of Mouth", "Employee Referral"]
    industry = ["Business Services", "Financial", "Insurance", "Wholesale", "Consulting", "Legal Services"]
    budget = ["Will Buy", "May Buy", "Can Buy", "No Committed Budget"]
    need = ["Must have", "Should have", "Good to have", "No need"]
    frame = ["Immediate", "This Quarter", "Next Quarter", "This Year", "Unknown"]
    with open(path, "w") as f:
        f.write("id,firstname,lastname,emailaddress1,companyname,jobtitle,telephone1,statecode,statuscode,"
                "leadqualitycode,leadsourcecode,industrycode,budgetamount,estimatedamount,budgetstatus,need,"
                "purchasetimeframe,donotemail,estimatedclosedate\n")
        for i in range(n):
            a, b = first[i % 10], last[(i // 10) % 10]
            state = "Qualified" if i % 10 == 7 else "Open"
            f.write(f"L-{i:07d},{a},{b},{a.lower()}.{b.lower()}{i}@c{i % 997}.example.com,Company {i % 997},"
                    f"Manager,+1 425 555 {i % 10000:04d},{state},{status[i % 3]},{quality[i % 4]},"
                    f"{source[i % 7]},{industry[i % 6]},{(i % 50) * 1000},,{budget[i % 4]},{need[i % 4]},"
                    f"{frame[i % 5]},{'true' if i % 13 == 0 else 'false'},\n")


if __name__ == "__main__":
    gen(int(sys.argv[1]), sys.argv[2])
