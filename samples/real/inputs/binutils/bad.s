; Two mistakes for the assembler to report.
        .section .text
start:
        ldi     r3, 0x10        ; ldi needs r16..r31
        jmpx    start           ; no such instruction
