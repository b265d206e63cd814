	.file	"blink.c"
__SP_H__ = 0x3e
__SP_L__ = 0x3d
__SREG__ = 0x3f
__tmp_reg__ = 0
__zero_reg__ = 1
	.text
	.section	.text.startup,"ax",@progbits
.global	main
	.type	main, @function
main:
/* prologue: function */
/* frame size = 0 */
/* stack size = 0 */
.L__stack_usage = 0
	sbi 0x4,5
	sts 197,__zero_reg__
	ldi r24,lo8(103)
	sts 196,r24
	ldi r24,lo8(8)
	sts 193,r24
	ldi r30,lo8(greeting)
	ldi r31,hi8(greeting)
.L2:
/* #APP */
 ;  29 "/w/blink.c" 1
	lpm r24,Z
 ;  0 "" 2
/* #NOAPP */
	cpse r24,__zero_reg__
	rjmp .L4
	ldi r21,lo8(32)
	ldi r22,lo8(7)
.L10:
	in r24,0x5
	eor r24,r21
	out 0x5,r24
	lds r24,counter.0
	subi r24,lo8(-(1))
	sts counter.0,r24
	ldi r24,0
	ldi r18,lo8(counter.0)
	ldi r19,hi8(counter.0)
.L8:
	movw r30,r18
	ld r25,Z
	subi r18,-1
	sbci r19,-1
	eor r24,r25
	ldi r25,lo8(8)
.L7:
	mov r20,r24
	lsl r20
	sbrs r24,7
	rjmp .L5
	mov r24,r20
	eor r24,r22
.L6:
	subi r25,lo8(1)
	brne .L7
	ldi r25,hi8(counter.0+4)
	cpi r18,lo8(counter.0+4)
	cpc r19,r25
	brne .L8
.L9:
	lds r25,192
	sbrs r25,5
	rjmp .L9
	sts 198,r24
	ldi r18,lo8(1599999)
	ldi r24,hi8(1599999)
	ldi r25,hlo8(1599999)
1:	subi r18,1
	sbci r24,0
	sbci r25,0
	brne 1b
	rjmp .
	nop
	rjmp .L10
.L4:
	adiw r30,1
.L3:
	lds r25,192
	sbrs r25,5
	rjmp .L3
	sts 198,r24
	rjmp .L2
.L5:
	mov r24,r20
	rjmp .L6
	.size	main, .-main
	.local	counter.0
	.comm	counter.0,4,1
	.section	.progmem.data,"a",@progbits
	.type	greeting, @object
	.size	greeting, 23
greeting:
	.string	"hello from wasmscope\r\n"
	.ident	"GCC: (GNU) 15.2.0"
.global __do_clear_bss
