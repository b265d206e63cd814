; Blink the LED on PB5 (Arduino Uno pin 13) and send a greeting over the UART.
; Assembled by GNU as for the ATmega328P: macros, an include, local labels,
; conditional assembly and data directives.
        .include "m328p.inc"

        .macro  delay_ms ms
        ldi     r24, lo8(\ms)
        ldi     r25, hi8(\ms)
        rcall   delay
        .endm

        .section .text
        .global main
main:
        sbi     DDRB, LED_BIT
        rcall   uart_init
        ldi     r30, lo8(greeting)
        ldi     r31, hi8(greeting)
        rcall   uart_puts
loop:
        sbi     PORTB, LED_BIT
        delay_ms 250
        cbi     PORTB, LED_BIT
        delay_ms 750
        rjmp    loop

; r25:r24 = milliseconds
delay:
1:      ldi     r26, lo8(F_CPU / 4000)
        ldi     r27, hi8(F_CPU / 4000)
2:      sbiw    r26, 1
        brne    2b
        sbiw    r24, 1
        brne    1b
        ret

uart_init:
        ldi     r16, lo8(UBRR_VALUE)
        sts     UBRR0L, r16
        ldi     r16, hi8(UBRR_VALUE)
        sts     UBRR0H, r16
        ldi     r16, (1 << TXEN0)
        sts     UCSR0B, r16
        ret

; Z = pointer to a NUL-terminated string in flash
uart_puts:
        lpm     r16, Z+
        tst     r16
        breq    3f
4:      lds     r17, UCSR0A
        sbrs    r17, UDRE0
        rjmp    4b
        sts     UDR0, r16
        rjmp    uart_puts
3:      ret

greeting:
        .asciz  "hello from wasmscope\r\n"
        .balign 2
.if DEBUG
        .ascii  "debug build"
.endif
table:
        .word   0x1234, 0xbeef, F_CPU & 0xffff
        .byte   1, 2, 3, 5, 8, 13, 21, 34
