// Restock planner for QuickJS-ng with its std and os modules: reads
// /work/inventory.json, writes orders and a per-bin index under /work/out,
// and exercises directories, renames, removals, stat and error codes.
import * as std from "qjs:std";
import * as os from "qjs:os";

const dir = "/work";
const out = dir + "/out";
const inv = JSON.parse(std.loadFile(dir + "/inventory.json"));

function check(what, err) {
    if (err !== 0) throw new Error(`${what}: ${std.strerror(-err)}`);
}

check("mkdir out", os.mkdir(out, 0o755));
const again = os.mkdir(out, 0o755);
print(`mkdir again -> ${again} (${std.strerror(-again)})`);
check("mkdir bins", os.mkdir(out + "/bins", 0o755));

// Orders: everything below its minimum, topped up to twice the minimum.
const orders = inv.items
    .filter((it) => it.qty < it.min)
    .map((it) => ({ sku: it.sku, name: it.name, order: 2 * it.min - it.qty }));
let f = std.open(out + "/orders.csv.partial", "w");
f.puts("sku,name,order\n");
for (const o of orders) f.printf("%s,%s,%d\n", o.sku, o.name, o.order);
f.close();
check("rename", os.rename(out + "/orders.csv.partial", out + "/orders.csv"));

// One file per bin listing what is stored there.
for (const it of inv.items) {
    for (const bin of it.bins) {
        const b = std.open(`${out}/bins/${bin}.txt`, "a");
        b.puts(`${it.sku} ${it.name} ${it.qty}\n`);
        b.close();
    }
}

// A file written, read back through seek/tell, then removed.
f = std.open(out + "/scratch.bin", "w+");
for (let i = 0; i < 256; i++) f.putByte(i);
f.seek(-16, std.SEEK_END);
const tail = [];
for (let i = 0; i < 4; i++) tail.push(f.getByte());
print(`scratch size ${f.tell() + 12}, bytes at 240: ${tail.join(",")}`);
f.close();
check("remove scratch", os.remove(out + "/scratch.bin"));

const [st, err] = os.stat(out + "/scratch.bin");
print(`stat removed file -> ${err} (${std.strerror(err)})`);
const [missing, err2] = os.readdir(dir + "/nope");
print(`readdir missing dir -> ${err2} (${std.strerror(err2)})`);

const total = inv.items.reduce((n, it) => n + it.qty, 0);
const summary = { warehouse: inv.warehouse, items: inv.items.length, total, orders: orders.length };
std.writeFile(out + "/summary.json", JSON.stringify(summary, null, 2) + "\n");

const [names] = os.readdir(out + "/bins");
print("bins:", names.filter((n) => !n.startsWith(".")).sort().join(" "));
for (const name of ["orders.csv", "summary.json"]) {
    const [s] = os.stat(`${out}/${name}`);
    print(`${name}: ${s.size} bytes, regular file: ${(s.mode & os.S_IFMT) === os.S_IFREG}`);
}
print(std.loadFile(out + "/orders.csv").trimEnd());
print("args:", scriptArgs.slice(1).join(" "));

// Sleeping and a timer: the event loop waits in poll_oneoff.
const t0 = Date.now();
os.sleep(25);
print(`slept at least 25 ms: ${Date.now() - t0 >= 25}`);
// (Both waits count whole milliseconds of a clock read before them: each can end up to a
// millisecond early by Date.now(), so 40 ms less 2.)
os.setTimeout(() => {
    print(`timer fired after at least 15 ms: ${Date.now() - t0 >= 38}`);
    std.exit(orders.length);
}, 15);
