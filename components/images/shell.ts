/**
 * Just enough of POSIX sh/bash syntax to find which programs a healthcheck or launcher script
 * runs: the first word of every simple command (after assignments, keywords, `exec`, `timeout`),
 * with redirections, `[[ ]]` tests and `case` patterns skipped. Not a shell: it never expands
 * variables; a command word that is a variable is reported as `dynamic`.
 */

/** One simple command: its words with quotes removed. */
export type SimpleCommand = readonly string[];

/** Separators between simple commands, as the tokenizer sees them. */
const OPERATORS = ["&&", "||", ";;", ";", "|", "&", "\n", "(", ")", "$(", "`"];

interface Token {
    readonly kind: "word" | "op";
    readonly text: string;
    /** The word had quotes (so `)` inside it is not an operator and it is never a keyword). */
    readonly quoted?: boolean;
}

export function tokenize(script: string): Token[] {
    const tokens: Token[] = [];
    let word = "";
    let quoted = false;
    let inWord = false;
    const flush = () => {
        if (inWord) tokens.push({ kind: "word", text: word, quoted });
        word = "";
        quoted = false;
        inWord = false;
    };
    for (let i = 0; i < script.length; i++) {
        const c = script[i]!;
        if (c === "'") {
            const end = script.indexOf("'", i + 1);
            const stop = end < 0 ? script.length : end;
            word += script.slice(i + 1, stop);
            quoted = inWord = true;
            i = stop;
            continue;
        }
        if (c === '"') {
            i++;
            while (i < script.length && script[i] !== '"') {
                if (script[i] === "\\" && i + 1 < script.length) i++;
                word += script[i];
                i++;
            }
            quoted = inWord = true;
            continue;
        }
        if (c === "\\" && i + 1 < script.length) {
            if (script[i + 1] !== "\n") word += script[i + 1];
            inWord = true;
            i++;
            continue;
        }
        if (c === "#" && !inWord) {
            while (i < script.length && script[i] !== "\n") i++;
            i--;
            continue;
        }
        if (c === " " || c === "\t") {
            flush();
            continue;
        }
        // A redirection (`>&3`, `3<>/dev/tcp/..`, `2>/dev/null`, `&>x`) is its own word, never an operator.
        if (c === "<" || c === ">" || (c === "&" && script[i + 1] === ">")) {
            if (inWord && !/^\d+$/.test(word)) flush();
            while (i < script.length && /[<>&|]/.test(script[i]!)) word += script[i++];
            i--;
            inWord = true;
            continue;
        }
        // `$((...))` is arithmetic, part of a word: no command runs inside it.
        if (c === "$" && script.startsWith("((", i + 1)) {
            let depth = 0;
            let j = i + 1;
            for (; j < script.length; j++) {
                if (script[j] === "(") depth++;
                else if (script[j] === ")" && --depth === 0) break;
            }
            word += script.slice(i, j + 1);
            inWord = true;
            i = j;
            continue;
        }
        // `${...}` is part of a word; `$(` opens a command substitution.
        if (c === "$" && script[i + 1] === "{") {
            const end = script.indexOf("}", i);
            word += script.slice(i, end < 0 ? script.length : end + 1);
            inWord = true;
            i = end < 0 ? script.length : end;
            continue;
        }
        const op = OPERATORS.find((o) => script.startsWith(o, i));
        if (op) {
            flush();
            tokens.push({ kind: "op", text: op });
            i += op.length - 1;
            continue;
        }
        word += c;
        inWord = true;
    }
    flush();
    return tokens;
}

const KEYWORDS = new Set(["if", "then", "else", "elif", "fi", "while", "until", "do", "done", "!", "{", "}", "time"]);
/** Shell builtins (sh and bash): they need no executable in the image. */
export const BUILTINS = new Set([
    ":", ".", "true", "false", "exit", "return", "set", "unset", "export", "local", "readonly", "read", "printf", "echo", "test", "[", "cd", "shift",
    "trap", "wait", "kill", "eval", "umask", "source", "break", "continue", "command", "type", "hash", "ulimit", "getopts",
]);

const isRedirection = (w: string) => /^[0-9]*(<>|>>|<<|<&|>&|<|>)/.test(w) || /^&>/.test(w);
const isAssignment = (w: string) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(w);

/** The simple commands of a script, each as its words (redirections and leading assignments removed). */
export function simpleCommands(script: string): SimpleCommand[] {
    const out: string[][] = [];
    let current: string[] = [];
    let inCase = 0;
    let expectPattern = false;
    let skipUntilOp = false; // `for x in ...`, `[[ ... ]]`, `case WORD in`
    const end = () => {
        if (current.length > 0) out.push(current);
        current = [];
        skipUntilOp = false;
    };
    // `name() { ...; }` defines a function: calls to it run no program of the image.
    const functions = new Set<string>();
    const nested: SimpleCommand[] = [];
    const tokens = tokenize(script);
    for (let i = 0; i < tokens.length; i++) {
        const t = tokens[i]!;
        if (t.kind === "word" && !t.quoted && current.length === 0 && !skipUntilOp && !expectPattern && tokens[i + 1]?.text === "(" && tokens[i + 2]?.text === ")") {
            functions.add(t.text);
            i += 2;
            continue;
        }
        if (t.kind === "op") {
            if (t.text === ")" && expectPattern) {
                current = [];
                expectPattern = false;
                continue;
            }
            if (t.text === ";;") expectPattern = true;
            end();
            continue;
        }
        const w = t.text;
        // Inside double quotes the tokenizer keeps `$(...)` in the word; its commands still run.
        if (t.quoted) for (const body of commandSubstitutions(w)) nested.push(...simpleCommands(body));
        if (skipUntilOp) {
            if (inCase > 0 && w === "in" && !t.quoted) {
                expectPattern = true;
                skipUntilOp = false;
            }
            continue;
        }
        if (expectPattern) {
            if (w === "esac" && !t.quoted) {
                inCase--;
                expectPattern = false;
            }
            continue;
        }
        if (current.length === 0) {
            if (!t.quoted && w === "case") {
                inCase++;
                skipUntilOp = true;
                continue;
            }
            if (!t.quoted && w === "esac") {
                inCase = Math.max(0, inCase - 1);
                continue;
            }
            if (!t.quoted && (w === "for" || w === "[[" || w === "select")) {
                skipUntilOp = true;
                continue;
            }
            if (!t.quoted && KEYWORDS.has(w)) continue;
            if (isAssignment(w) || isRedirection(w)) continue;
        } else if (isRedirection(w)) {
            continue;
        }
        current.push(w);
    }
    end();
    return [...out, ...nested.map((c) => [...c])]
        .map(unwrapCommand)
        .filter((c): c is string[] => c !== null && c.length > 0 && !functions.has(c[0]!));
}

/** The bodies of the `$(...)` command substitutions in a word (not `$((...))`, which is arithmetic). */
function commandSubstitutions(word: string): string[] {
    const bodies: string[] = [];
    for (let i = word.indexOf("$("); i >= 0; i = word.indexOf("$(", i + 1)) {
        if (word[i + 2] === "(") continue;
        let depth = 0;
        let j = i + 1;
        for (; j < word.length; j++) {
            if (word[j] === "(") depth++;
            else if (word[j] === ")" && --depth === 0) break;
        }
        bodies.push(word.slice(i + 2, j));
        i = j;
    }
    return bodies;
}

/** `exec X`, `timeout 3 X`, `command X`, `env A=b X`, `nice X`: the program that really runs is X. */
function unwrapCommand(words: string[]): string[] | null {
    let w = words;
    for (;;) {
        const head = w[0];
        if (head === undefined) return null;
        if (head === "exec" || head === "nice" || head === "nohup") w = w.slice(1);
        else if (head === "command") {
            // `command -v X` only looks X up.
            if (w[1] === "-v" || w[1] === "-V") return ["command"];
            w = w.slice(1);
        } else if (head === "env") {
            w = w.slice(1);
            while (w.length > 0 && (isAssignment(w[0]!) || w[0]!.startsWith("-"))) w = w.slice(1);
        } else if (head === "timeout") {
            w = w.slice(1);
            while (w.length > 0 && w[0]!.startsWith("-")) w = w.slice(1);
            w = w.slice(1); // the duration
        } else return w;
    }
}

/** True when `word` is expanded at run time (`$x`, `${x}`, `$(...)`): its program cannot be known statically. */
export const isDynamic = (word: string) => word.includes("$");
