// The grammar of .seq files (spec/LANGUAGE.md §1–5). Generated to C++ at build time;
// compiler/parser.cc turns the parse tree into the project's AST and nothing else
// sees it. Binary operators are written as flat repetitions, not left recursion, so
// that a long `a or b or c …` gives a flat tree instead of one nested level per operator.
grammar Seq;

file : decl* EOF ;

// A condition on its own (`seqc connect --where`).
conditionText : condition EOF ;

decl
  : importDecl
  | entityDecl
  | extendDecl
  | calendarDecl
  | sequenceDecl
  | segmentDecl
  ;

importDecl : IMPORT STRING ;

entityDecl : ENTITY name display=STRING? '{' fieldDecl* '}' ;

extendDecl : EXTEND ENTITY name '{' fieldDecl* '}' ;

fieldDecl : name ':' typeRef READONLY? display=STRING? ;

typeRef
  : CHOICE '{' option (',' option)* ','? '}'          # choiceType
  | LOOKUP name ('|' name)*                           # lookupType
  | name ('(' INT ')')?                               # namedType
  ;

option : MINUS? INT STRING ;

// A working calendar (CALENDARS.md §1). The words of its body (zone, hours, holiday,
// mon … sun, jan … dec, last, of, easter, observed, next) are not reserved: they are
// names here, and parser.cc checks each is the word its place needs.
calendarDecl : CALENDAR STRING '{' calendarItem* '}' ;

calendarItem
  : word=IDENT STRING                                         # zoneItem
  | word=IDENT days clockRange (',' clockRange)*              # hoursItem
  | word=IDENT STRING holidayRule observance? holidayOffset?  # holidayItem
  ;

days : IDENT (MINUS IDENT)? ;                         // `mon`, `mon-fri`
clockRange : clock MINUS clock ;                      // `08:30-12:00`
clock : INT COLON INT ;

holidayRule
  : IDENT INT                                         # fixedHoliday      // jan 1
  | date (TO date)?                                   # dateHoliday       // 2026-03-12 [to …]
  | ORDINAL IDENT IDENT IDENT                         # nthHoliday        // 4th thu of nov
  | IDENT IDENT IDENT IDENT                           # lastHoliday       // last mon of may
  | IDENT                                             # easterHoliday     // easter
  ;
date : INT MINUS INT MINUS INT ;
observance : IDENT IDENT? ;                           // `observed`, `observed next`
holidayOffset : (PLUS | MINUS) DURATION ;             // `+ 1d`

sequenceDecl : SEQUENCE STRING ON name '{' setting* stmt* '}' ;

// A segment (docs/language.md "Segments"): `segment "NAME" on ENTITY { … }`. Its words
// (segment, feeds, priority, leave, stay, disconnect) are not reserved: they are IDENT
// here, and parser.cc checks each is the word its place needs.
// The predicate keeps other words at the top level syntax errors, as before segments.
segmentDecl : {_input->LT(1)->getText() == "segment"}? kw=IDENT STRING ON name '{' segmentItem* '}' ;

segmentItem
  : WHERE condition                                   # segmentWhere      // where E
  | word=IDENT STRING                                 # segmentFeeds      // feeds "S"
  | word=IDENT INT                                    # segmentPriority   // priority N
  | ON leave=IDENT action=IDENT                       # segmentLeave      // on leave stay|disconnect
  ;

setting
  : DESCRIPTION STRING                                # descriptionSetting
  | TAGS STRING (',' STRING)*                         # tagsSetting
  | ASSIGN TO OWNER                                   # assignOwnerSetting
  | ASSIGN TO FIELD memberRef                         # assignFieldSetting
  | ASSIGN TO TEAM (OWNER | ACCESS) (WHERE expr)?     # assignTeamSetting
  | EXIT ON REPLY                                     # exitOnReplySetting
  | EXIT WHEN condition                               # exitWhenSetting
  | CALENDAR STRING                                   # calendarSetting
  | time=IDENT zone=IDENT expr                        # timeZoneSetting   // `time zone E`
  ;

stmt : (label=IDENT ':')? stmtBody ;

stmtBody
  : activityKind STRING activityOption*               # activityStmt
  | WAIT span                                         # waitStmt
  | IF condition block (ELSE IF condition block)* (ELSE block)?  # ifStmt
  | SET memberRef '=' expr                            # setStmt
  | LET IDENT '=' expr                                # letStmt
  | IDENT '=' expr                                    # assignStmt
  | END                                               # endStmt
  | ADVANCE TO STRING                                 # advanceStmt
  // `experiment "NAME" { … }` (docs/language.md, "Experiments"): the word is not
  // reserved, so only an IDENT spelled `experiment` may start one; other words keep
  // their old errors (`emial "Hi"`).
  | {_input->LT(1)->getText() == "experiment"}? word=IDENT STRING '{' experimentItem* '}'  # experimentStmt
  ;

// `variant NAME WEIGHT { … }`, `metric C within D`, `baseline 0.08`, `mde`, `alpha`,
// `power`: the words are IDENT, checked by parser.cc.
experimentItem
  : word=IDENT name weight=(INT | DECIMAL) block      # variantItem
  | word=IDENT condition                              # experimentSetting
  ;

activityKind
  : EMAIL
  | AUTO EMAIL
  | TEXT
  | AUTO TEXT
  | CALL
  | TASK
  | LINKEDIN (RESEARCH | INTRODUCE | CONNECT | INMAIL)
  ;

activityOption
  : TEMPLATE STRING                                   # templateOption
  | DESCRIPTION STRING                                # descriptionOption
  | DUE span                                          # dueOption
  ;

block : '{' stmt* '}' ;

// `within` is a postfix of the whole condition, with the lowest precedence.
condition : expr (WITHIN span)? ;

expr : andExpr (OR andExpr)* ;
andExpr : notExpr (AND notExpr)* ;
notExpr
  : NOT notExpr
  | cmpExpr
  ;
// Comparisons do not chain: `a < b < c` is a syntax error.
cmpExpr : addExpr (cmpOp addExpr | IN '[' (expr (',' expr)*)? ']')? ;
cmpOp : EQ | NE | LT | LE | GT | GE ;
addExpr : mulExpr (addOp mulExpr)* ;
addOp : PLUS | MINUS ;
mulExpr : unaryExpr (mulOp unaryExpr)* ;
mulOp : STAR | SLASH | PERCENT ;
unaryExpr
  : MINUS unaryExpr
  | primary
  ;
primary
  : INT                                               # intLit
  | DECIMAL                                           # decimalLit
  | STRING                                            # stringLit
  | TRUE_KW                                              # trueLit
  | FALSE_KW                                             # falseLit
  | NULL_KW                                              # nullLit
  | duration                                          # durationLit
  | IDENT '(' (expr (',' expr)*)? ')'                 # callExpr
  | memberRef                                         # memberExpr
  | IDENT                                             # nameExpr
  | '(' expr ')'                                      # parenExpr
  ;

memberRef : name '.' name ;

duration : DURATION+ ;

// What `wait`, `within` and `due` take: elapsed time, or `N business days|hours`
// (CALENDARS.md §3; the unit word is checked by parser.cc). Not a value in expressions.
span
  : duration
  | INT BUSINESS unit=IDENT
  ;

// Entity, field and type names may be any identifier-like word, keyword or not.
name
  : IDENT
  | IMPORT | ENTITY | EXTEND | SEQUENCE | ON | DESCRIPTION | TAGS | ASSIGN | TO
  | OWNER | FIELD | TEAM | ACCESS | WHERE | EXIT | REPLY | WHEN | EMAIL | TEXT
  | AUTO | CALL | TASK | LINKEDIN | RESEARCH | INTRODUCE | CONNECT | INMAIL
  | TEMPLATE | DUE | WAIT | WITHIN | IF | ELSE | SET | LET | END | ADVANCE | AND
  | OR | NOT | IN | TRUE_KW | FALSE_KW | NULL_KW | STRING_KW | INT_KW | DECIMAL_KW
  | MONEY | BOOL | DATE | DATETIME | CHOICE | LOOKUP | CALENDAR | BUSINESS | READONLY
  ;

IMPORT : 'import' ;
ENTITY : 'entity' ;
EXTEND : 'extend' ;
SEQUENCE : 'sequence' ;
ON : 'on' ;
DESCRIPTION : 'description' ;
TAGS : 'tags' ;
ASSIGN : 'assign' ;
TO : 'to' ;
OWNER : 'owner' ;
FIELD : 'field' ;
TEAM : 'team' ;
ACCESS : 'access' ;
WHERE : 'where' ;
EXIT : 'exit' ;
REPLY : 'reply' ;
WHEN : 'when' ;
EMAIL : 'email' ;
TEXT : 'text' ;
AUTO : 'auto' ;
CALL : 'call' ;
TASK : 'task' ;
LINKEDIN : 'linkedin' ;
RESEARCH : 'research' ;
INTRODUCE : 'introduce' ;
CONNECT : 'connect' ;
INMAIL : 'inmail' ;
TEMPLATE : 'template' ;
DUE : 'due' ;
WAIT : 'wait' ;
WITHIN : 'within' ;
IF : 'if' ;
ELSE : 'else' ;
SET : 'set' ;
LET : 'let' ;
END : 'end' ;
ADVANCE : 'advance' ;
AND : 'and' ;
OR : 'or' ;
NOT : 'not' ;
IN : 'in' ;
TRUE_KW : 'true' ;
FALSE_KW : 'false' ;
NULL_KW : 'null' ;
STRING_KW : 'string' ;
INT_KW : 'int' ;
DECIMAL_KW : 'decimal' ;
MONEY : 'money' ;
BOOL : 'bool' ;
DATE : 'date' ;
DATETIME : 'datetime' ;
CHOICE : 'choice' ;
LOOKUP : 'lookup' ;
CALENDAR : 'calendar' ;
BUSINESS : 'business' ;
READONLY : 'readonly' ;

LBRACE : '{' ;
RBRACE : '}' ;
LPAREN : '(' ;
RPAREN : ')' ;
LBRACKET : '[' ;
RBRACKET : ']' ;
COLON : ':' ;
COMMA : ',' ;
PIPE : '|' ;
DOT : '.' ;
ASSIGN_OP : '=' ;
EQ : '==' ;
NE : '!=' ;
LE : '<=' ;
GE : '>=' ;
LT : '<' ;
GT : '>' ;
PLUS : '+' ;
MINUS : '-' ;
STAR : '*' ;
SLASH : '/' ;
PERCENT : '%' ;

// A duration is one or more INT+unit pairs with nothing between them (`1d12h`);
// an integer followed by any other letters (`2dx`, `12abc`) is one BAD_NUMBER token,
// so it is a syntax error rather than a duration followed by a name.
DURATION : (DIGITS [mhdw])+ ;
DECIMAL : DIGITS '.' DIGITS ;
INT : DIGITS ;
// `4th` of a holiday rule; before BAD_NUMBER, which would match it too.
ORDINAL : DIGITS ('st' | 'nd' | 'rd' | 'th') ;
BAD_NUMBER : DIGITS [A-Za-z0-9_]* [A-Za-z_] [A-Za-z0-9_]* ;

IDENT : [A-Za-z_] [A-Za-z0-9_]* ;

STRING : '"' (ESCAPE | ~["\\\r\n])* '"' ;
UNTERMINATED_STRING : '"' (ESCAPE | ~["\\\r\n])* ;
BAD_ESCAPE_STRING : '"' (ESCAPE | '\\' . | ~["\\\r\n])* '"' ;

// Comments go to the hidden channel: the parser never sees them, parser.cc collects
// their ranges into the AST for the formatter.
LINE_COMMENT : '//' ~[\r\n]* -> channel(HIDDEN) ;
BLOCK_COMMENT : '/*' .*? '*/' -> channel(HIDDEN) ;
UNTERMINATED_COMMENT : '/*' (~'*' | '*'+ ~[*/])* '*'* EOF ;
WS : [ \t\r\n\f]+ -> skip ;

// Anything else becomes a token the parser rejects, so the lexer itself never errs.
BAD_CHAR : . ;

fragment DIGITS : [0-9]+ ;
fragment ESCAPE : '\\' (["\\nt] | 'u{' [0-9A-Fa-f]+ '}') ;
