/* Blink the LED on PB5 and print a greeting over the UART, for the ATmega328P:
 * avr-libc's <avr/io.h>, <avr/pgmspace.h> and <util/delay.h>. */
#include <stdint.h>
#include <avr/io.h>
#include <avr/pgmspace.h>
#include <util/delay.h>

#define BAUD 9600
#define UBRR_VALUE ((F_CPU / 16 / BAUD) - 1)

static const char greeting[] PROGMEM = "hello from wasmscope\r\n";

static void uart_init(void)
{
    UBRR0H = (uint8_t)(UBRR_VALUE >> 8);
    UBRR0L = (uint8_t)UBRR_VALUE;
    UCSR0B = _BV(TXEN0);
}

static void uart_putc(char c)
{
    loop_until_bit_is_set(UCSR0A, UDRE0);
    UDR0 = c;
}

static void uart_puts_P(const char *s)
{
    char c;
    while ((c = pgm_read_byte(s++)) != 0)
        uart_putc(c);
}

static uint8_t crc8(const uint8_t *data, uint8_t len)
{
    uint8_t crc = 0;
    while (len--) {
        crc ^= *data++;
        for (uint8_t i = 0; i < 8; i++)
            crc = (crc & 0x80) ? (uint8_t)((crc << 1) ^ 0x07) : (uint8_t)(crc << 1);
    }
    return crc;
}

int main(void)
{
    static uint8_t counter[4];
    DDRB |= _BV(DDB5);
    uart_init();
    uart_puts_P(greeting);
    for (;;) {
        PORTB ^= _BV(PORTB5);
        counter[0]++;
        uart_putc((char)crc8(counter, sizeof counter));
        _delay_ms(500);
    }
}
