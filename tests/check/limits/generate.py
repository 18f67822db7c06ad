#!/usr/bin/env python3
"""Regenerates the long test files in this folder (400/401 statements, long
names, 10,000-deep nesting). Run from anywhere: python3 tests/check/limits/generate.py
The generated .seq files are committed; this script only documents how."""
import os, textwrap

HERE = os.path.dirname(os.path.abspath(__file__))

def w(path, text):
    text = textwrap.dedent(text).lstrip("\n")
    if not text.endswith("\n"):
        text += "\n"
    with open(os.path.join(HERE, os.path.basename(path)), "w", encoding="utf-8", newline="\n") as f:
        f.write(text)

D = "limits/"

def tasks(n, indent="  "):
    return "".join(f'{indent}task "Step {i}"\n' for i in range(1, n + 1))

w(D+"statements_400_ok.seq",
  "// Exactly 400 statements is the limit (generated: 400 tasks).\n"
  'sequence "Four hundred" on lead {\n' + tasks(400) + "}\n")
w(D+"statements_401.seq",
  "// 401 statements is one too many (generated: 401 tasks).\n"
  'sequence "Four hundred and one" on lead { // expect-error: TooManySteps\n' + tasks(401) + "}\n")
w(D+"statements_counted_recursively_400_ok.seq",
  "// Statements are counted recursively; `if` counts one and `else` nothing:\n"
  "// 395 tasks + if + task + nested if + task + else-branch task = 400 exactly.\n"
  'sequence "Nested four hundred" on lead {\n' + tasks(395) +
  "  if lead.donotemail {\n    task \"In if\"\n    if lead.donotphone {\n      task \"In nested if\"\n    }\n  } else {\n    task \"In else\"\n  }\n}\n")
w(D+"statements_counted_recursively_401.seq",
  "// One more nested statement than statements_counted_recursively_400_ok.seq.\n"
  'sequence "Nested four hundred and one" on lead { // expect-error: TooManySteps\n' + tasks(395) +
  "  if lead.donotemail {\n    task \"In if\"\n    if lead.donotphone {\n      task \"In nested if\"\n      task \"One too many\"\n    }\n  } else {\n    task \"In else\"\n  }\n}\n")
w(D+"else_if_counts_one_401.seq",
  "// Each `else if` counts one: 396 tasks + if + task + else if + task + else + task = 401.\n"
  'sequence "Else if counts" on lead { // expect-error: TooManySteps\n' + tasks(396) +
  "  if lead.donotemail {\n    task \"a\"\n  } else if lead.donotphone {\n    task \"b\"\n  } else {\n    task \"c\"\n  }\n}\n")
w(D+"else_if_counts_one_400_ok.seq",
  "// Each `else if` counts one: 395 tasks + if + task + else if + task + else + task = 400.\n"
  'sequence "Else if counts" on lead {\n' + tasks(395) +
  "  if lead.donotemail {\n    task \"a\"\n  } else if lead.donotphone {\n    task \"b\"\n  } else {\n    task \"c\"\n  }\n}\n")

w(D+"name_160_ok.seq", f'// A sequence name of exactly 160 characters.\nsequence "{"n" * 160}" on lead {{\n  task "x"\n}}\n')
w(D+"name_161.seq", f'// A sequence name of 161 characters is too long.\nsequence "{"n" * 161}" on lead {{ // expect-error: NameTooLong\n  task "x"\n}}\n')
w(D+"name_160_code_points_ok.seq", f'// 160 code points (320 UTF-8 bytes) is not too long.\nsequence "{"ü" * 160}" on lead {{\n  task "x"\n}}\n')
w(D+"name_161_code_points.seq", f'// 161 emoji are 161 code points: too long.\nsequence "{"😀" * 161}" on lead {{ // expect-error: NameTooLong\n  task "x"\n}}\n')

w(D+"empty_sequence_body.seq", '''
// A sequence needs at least one activity step.
sequence "Empty" on lead { // expect-error: EmptySequence
}
''')
w(D+"empty_sequence_no_activity.seq", '''
// Statements that are not activity steps do not count.
sequence "No activity" on lead { // expect-error: EmptySequence
  set lead.statuscode = "New"
  if lead.donotemail {
    set lead.donotphone = true
  }
  end
}
''')
w(D+"empty_sequence_only_settings.seq", '''
// Settings are not activity steps.
sequence "Only settings" on lead { // expect-error: EmptySequence
  description "Nothing to do"
  tags "empty"
}
''')
w(D+"one_activity_ok.seq", '''
// One activity step is enough, even inside a branch.
sequence "One activity" on lead {
  if lead.donotemail {
    call "Call"
  }
}
''')

N = 10000
w(D+"nesting_parentheses_10000.seq",
  "// 10,000 nested parentheses must give a diagnostic, not a crash.\n"
  'sequence "Deep" on lead {\n  task "x"\n'
  "  if " + "(" * N + "lead.donotemail" + ")" * N + " { // expect-error: NestingTooDeep\n"
  '    task "y"\n  }\n}\n')
w(D+"nesting_not_10000.seq",
  "// 10,000 nested `not` must give a diagnostic, not a crash.\n"
  'sequence "Deep not" on lead {\n  task "x"\n'
  "  if " + "not " * N + "lead.donotemail { // expect-error: NestingTooDeep\n"
  '    task "y"\n  }\n}\n')
w(D+"nesting_unary_minus_10000.seq",
  "// 10,000 nested unary minus signs must give a diagnostic, not a crash.\n"
  'sequence "Deep minus" on lead {\n  task "x"\n'
  "  if " + "- " * N + "lead.numberofemployees > 0 { // expect-error: NestingTooDeep\n"
  '    task "y"\n  }\n}\n')
w(D+"nesting_blocks_10000.seq",
  "// 10,000 nested `if` blocks (all on one line) must give a diagnostic, not a crash.\n"
  'sequence "Deep blocks" on lead {\n  task "x"\n'
  "  " + "if lead.donotemail { " * N + 'task "y" ' + "} " * N + "// expect-error: NestingTooDeep\n}\n")
w(D+"nesting_parentheses_100_ok.seq",
  "// 100 nested parentheses are fine.\n"
  'sequence "Moderately deep" on lead {\n  task "x"\n'
  "  if " + "(" * 100 + "lead.donotemail" + ")" * 100 + " {\n"
  '    task "y"\n  }\n}\n')
w(D+"long_expression_ok.seq",
  "// A long flat expression (300 operands) is fine.\n"
  'sequence "Long" on lead {\n  task "x"\n'
  "  if lead.numberofemployees" + " + 1" * 299 + " > 0 {\n"
  '    task "y"\n  }\n}\n')

# An `in` list is evaluated on the operand stack: the value and its items, at most
# 256 (the bytecode's kMaxStack) at once.
def in_list(n):
    return "[" + ", ".join(str(i) for i in range(1, n + 1)) + "]"
w(D+"in_list_255_ok.seq",
  "// The value and 255 items fill the operand stack exactly (256 values).\n"
  'sequence "Long list" on lead {\n  task "x"\n'
  "  if lead.numberofemployees in " + in_list(255) + " {\n"
  '    task "y"\n  }\n}\n')
w(D+"in_list_256.seq",
  "// One item more than in_list_255_ok.seq: `check` says so, not `build`.\n"
  'sequence "Too long list" on lead {\n  task "x"\n'
  "  if lead.numberofemployees in " + in_list(256) + " { // expect-error: NestingTooDeep {{`in` list}}\n"
  '    task "y"\n  }\n}\n')
w(D+"in_list_after_operand.seq",
  "// The left operand of `==` is already on the stack: 255 items are one too many here.\n"
  'sequence "List in a comparison" on lead {\n  task "x"\n'
  "  if true == (lead.numberofemployees in " + in_list(255) + ") { // expect-error: NestingTooDeep {{too large}}\n"
  '    task "y"\n  }\n}\n')
