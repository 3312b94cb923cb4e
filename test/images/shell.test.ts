/**
 * The shell reader finds the programs a launcher runs; shell syntax that runs no program
 * (function definitions and calls, arithmetic expansion) must not be reported as one.
 */
import { strict as assert } from "node:assert";
import { simpleCommands } from "../../components/images/shell";

const programs = (script: string) => simpleCommands(script).map((c) => c[0]);

describe("image contracts: shell reader", () => {
    it("a function's name is not a program, its body's commands are", () => {
        assert.deepEqual(programs(`ask() {\n  out=$(redis-cli PING | paste -d" " - -)\n}\nask\nexec redis-server x`), ["redis-cli", "paste", "redis-server"]);
    });

    it("arithmetic expansion runs no program", () => {
        assert.deepEqual(programs(`start=$(date +%s)\nif [ "$(date +%s)" -ge $((start + 12)) ]; then sleep 1; fi`).sort(), ["[", "date", "date", "sleep"]);
    });

    it("a command substitution inside double quotes still runs its programs", () => {
        assert.deepEqual(programs(`if [ "$(cat "$sum" 2>/dev/null)" != x ]; then :; fi`).sort(), [":", "[", "cat"]);
    });

    it("a program called like a defined function elsewhere is still reported", () => {
        assert.deepEqual(programs(`wait_for() { sleep 1; }\nwget -q -O- http://127.0.0.1:8080/`), ["sleep", "wget"]);
    });
});
