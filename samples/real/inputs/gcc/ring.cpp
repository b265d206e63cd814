// A fixed-size ring buffer and a moving average, C++17 without the standard library
// (templates, constexpr, a lambda, a class with an operator), for the ATmega328P.
#include <stdint.h>

template <typename T, uint8_t N>
class Ring {
    static_assert((N & (N - 1)) == 0, "N must be a power of two");
    T items[N] = {};
    uint8_t head = 0, count = 0;

public:
    constexpr uint8_t size() const { return count; }
    void push(T v)
    {
        items[(head + count) & (N - 1)] = v;
        if (count < N)
            count++;
        else
            head = (head + 1) & (N - 1);
    }
    T operator[](uint8_t i) const { return items[(head + i) & (N - 1)]; }
    template <typename F>
    void for_each(F f) const
    {
        for (uint8_t i = 0; i < count; i++)
            f((*this)[i]);
    }
};

constexpr uint16_t isqrt(uint32_t v)
{
    uint32_t r = 0;
    while ((r + 1) * (r + 1) <= v)
        r++;
    return static_cast<uint16_t>(r);
}
static_assert(isqrt(1000000) == 1000, "isqrt");

static Ring<uint16_t, 8> samples;

extern "C" uint16_t moving_average(uint16_t sample)
{
    samples.push(sample);
    uint32_t sum = 0;
    samples.for_each([&sum](uint16_t s) { sum += s; });
    return static_cast<uint16_t>(sum / samples.size());
}

extern "C" uint16_t rms_of_last()
{
    uint32_t sq = 0;
    samples.for_each([&sq](uint16_t s) { sq += static_cast<uint32_t>(s) * s; });
    return samples.size() ? isqrt(sq / samples.size()) : 0;
}
