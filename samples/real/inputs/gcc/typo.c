#include <stdint.h>

uint8_t scale(uint8_t x)
{
    uint8_t y = x * 3
    return y + undefined_offset;
}
