/*
 * vars: variables of many C types, for a debugger's variables view and its expression
 * evaluation (names, fields, indexes, derefs, ->). A WASI command (`_start`), built by
 * samples/build.sh with Debian's clang-14 and wasi-libc at -O0 -g:
 *
 *   main
 *   +- scaled_area   static inline, always_inline: inlined into main (an inlined frame)
 *   +- describe      noinline: a real call with parameters (a struct passed by value)
 *
 * Each group of printf lines (one statement per source line, however long: a stop line
 * is a whole statement) prints variables in scope as `name = value`, one per line,
 * formatted the way the debugger shows them (structs Rust-style with their tag name, C
 * chars as `65 'A'`, enums by enumerator name, unions with all their members);
 * samples/variables.toml lists, for the first line of each group (the stop line), what
 * a debugger must show there. Takes no arguments; exits with 0.
 */
#include <stdio.h>

struct Point {
    int x;
    int y;
};

typedef struct Rect {
    struct Point origin;
    struct Point size;
} Rect;

enum Color { RED, GREEN, BLUE };

union Number {
    int i;
    unsigned int u;
    float f;
};

static const char *const color_names[] = {"RED", "GREEN", "BLUE"};

/* Inlined into main even at -O0: `r`, `scale`, `w` and `h` belong to an inlined frame. */
static inline __attribute__((always_inline)) int scaled_area(const Rect *r, int scale) {
    int w = r->size.x * scale;
    int h = r->size.y * scale;
    printf("*r = Rect { origin: Point { x: %d, y: %d }, size: Point { x: %d, y: %d } }\n", r->origin.x, r->origin.y, r->size.x, r->size.y);
    printf("r->size.x = %d\n", r->size.x);
    printf("scale = %d\n", scale);
    printf("w = %d\n", w);
    printf("h = %d\n", h);
    return w * h;
}

/* A real call: a struct passed by value, an enum, a string, an unsigned. */
__attribute__((noinline)) long long describe(struct Point p, enum Color c, const char *label,
                                             unsigned count) {
    long long total = (long long)count * 1000 + p.x;
    char initial = label[0];
    printf("p = Point { x: %d, y: %d }\n", p.x, p.y);
    printf("p.y = %d\n", p.y);
    printf("c = %s\n", color_names[c]);
    printf("*label = %d '%c'\n", *label, *label);
    printf("count = %u\n", count);
    printf("total = %lld\n", total);
    printf("initial = %d '%c'\n", initial, initial);
    return total;
}

int main(void) {
    /* Scalars. */
    int small = -42;
    unsigned big = 4000000000u;
    long long wide = -9000000000LL;
    char letter = 'A';
    double ratio = 2.5;
    double tenth = 0.1;
    float half = 0.5f;
    printf("small = %d\n", small);
    printf("big = %u\n", big);
    printf("wide = %lld\n", wide);
    printf("letter = %d '%c'\n", letter, letter);
    printf("ratio = %.1f\n", ratio);
    printf("tenth = %.1f\n", tenth);
    printf("half = %.1f\n", (double)half);

    /* Structs (one nested, one anonymous), an enum, an array, a union, pointers. */
    struct Point p = {3, -4};
    Rect rect = {{1, 2}, {10, 20}};
    struct {
        int id;
        char tag;
    } item = {7, 'x'};
    enum Color color = GREEN;
    int arr[4] = {10, 20, 30, 40};
    union Number num;
    num.i = 0x3f800000; /* the bits of 1.0f */
    struct Point *pp = &p;
    const char *text = "hello";
    printf("p = Point { x: %d, y: %d }\n", p.x, p.y);
    printf("p.x = %d\n", p.x);
    printf("rect = Rect { origin: Point { x: %d, y: %d }, size: Point { x: %d, y: %d } }\n", rect.origin.x, rect.origin.y, rect.size.x, rect.size.y);
    printf("rect.size.y = %d\n", rect.size.y);
    printf("item = { id: %d, tag: %d '%c' }\n", item.id, item.tag, item.tag);
    printf("color = %s\n", color_names[color]);
    printf("arr = [%d, %d, %d, %d]\n", arr[0], arr[1], arr[2], arr[3]);
    printf("arr[2] = %d\n", arr[2]);
    printf("num = { i: %d, u: %u, f: %.1f }\n", num.i, num.u, (double)num.f);
    printf("pp = %p\n", (void *)pp);
    printf("*pp = Point { x: %d, y: %d }\n", pp->x, pp->y);
    printf("pp->y = %d\n", pp->y);
    printf("*text = %d '%c'\n", *text, *text);
    printf("text[1] = %d '%c'\n", text[1], text[1]);

    /* Calls: one inlined, one real. */
    int area = scaled_area(&rect, 2);
    long long described = describe(p, color, text, big);
    printf("area = %d\n", area);
    printf("described = %lld\n", described);
    printf("small = %d\n", small);
    return 0;
}
