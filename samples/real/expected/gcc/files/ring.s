	.file	"ring.cpp"
__SP_H__ = 0x3e
__SP_L__ = 0x3d
__SREG__ = 0x3f
__tmp_reg__ = 0
__zero_reg__ = 1
	.text
.global	moving_average
	.type	moving_average, @function
moving_average:
/* prologue: function */
/* frame size = 0 */
/* stack size = 0 */
.L__stack_usage = 0
	lds r26,_ZL7samples+16
	lds r19,_ZL7samples+17
	mov r30,r26
	add r30,r19
	andi r30,lo8(7)
	ldi r31,0
	lsl r30
	rol r31
	subi r30,lo8(-(_ZL7samples))
	sbci r31,hi8(-(_ZL7samples))
	st Z,r24
	std Z+1,r25
	cpi r19,lo8(8)
	brsh .L2
	subi r19,lo8(-(1))
	sts _ZL7samples+17,r19
.L3:
	ldi r18,0
	ldi r24,0
	ldi r25,0
	movw r22,r24
.L4:
	mov r30,r18
	add r30,r26
	andi r30,lo8(7)
	ldi r31,0
	lsl r30
	rol r31
	subi r30,lo8(-(_ZL7samples))
	sbci r31,hi8(-(_ZL7samples))
	ld r20,Z
	ldd r21,Z+1
	add r22,r20
	adc r23,r21
	adc r24,__zero_reg__
	adc r25,__zero_reg__
	subi r18,lo8(-(1))
	cpse r18,r19
	rjmp .L4
	ldi r19,0
	ldi r20,0
	ldi r21,0
	call __udivmodsi4
	movw r24,r18
/* epilogue start */
	ret
.L2:
	subi r26,lo8(-(1))
	andi r26,lo8(7)
	sts _ZL7samples+16,r26
	rjmp .L3
	.size	moving_average, .-moving_average
.global	rms_of_last
	.type	rms_of_last, @function
rms_of_last:
	push r12
	push r13
	push r14
	push r15
	push r28
	push r29
	rcall .
	rcall .
	in r28,__SP_L__
	in r29,__SP_H__
/* prologue: function */
/* frame size = 4 */
/* stack size = 10 */
.L__stack_usage = 10
	lds r21,_ZL7samples+17
	lds r20,_ZL7samples+16
	std Y+1,r20
	mov r14,__zero_reg__
	mov r15,__zero_reg__
	movw r12,r14
	ldi r20,0
.L7:
	cpse r20,r21
	rjmp .L8
	ldi r24,0
	ldi r25,0
	cp r20, __zero_reg__
	breq .L6
	mov r18,r20
	ldi r19,0
	ldi r20,0
	ldi r21,0
	movw r22,r12
	movw r24,r14
	call __udivmodsi4
	std Y+1,r18
	std Y+2,r19
	std Y+3,r20
	std Y+4,r21
	mov r14,__zero_reg__
	mov r15,__zero_reg__
	movw r12,r14
.L10:
	mov r31,r12
	mov r30,r13
	ldi r21,-1
	sub r12,r21
	sbc r13,r21
	sbc r14,r21
	sbc r15,r21
	movw r18,r12
	movw r20,r14
	movw r22,r12
	movw r24,r14
	call __mulsi3
	ldd r18,Y+1
	ldd r19,Y+2
	ldd r20,Y+3
	ldd r21,Y+4
	cp r18,r22
	cpc r19,r23
	cpc r20,r24
	cpc r21,r25
	brsh .L10
	mov r24,r31
	mov r25,r30
.L6:
/* epilogue start */
	pop __tmp_reg__
	pop __tmp_reg__
	pop __tmp_reg__
	pop __tmp_reg__
	pop r29
	pop r28
	pop r15
	pop r14
	pop r13
	pop r12
	ret
.L8:
	ldd r30,Y+1
	add r30,r20
	andi r30,lo8(7)
	ldi r31,0
	lsl r30
	rol r31
	subi r30,lo8(-(_ZL7samples))
	sbci r31,hi8(-(_ZL7samples))
	ld r26,Z
	ldd r27,Z+1
	movw r18,r26
	call __umulhisi3
	add r12,r22
	adc r13,r23
	adc r14,r24
	adc r15,r25
	subi r20,lo8(-(1))
	rjmp .L7
	.size	rms_of_last, .-rms_of_last
	.local	_ZL7samples
	.comm	_ZL7samples,18,1
	.ident	"GCC: (GNU) 15.2.0"
.global __do_clear_bss
