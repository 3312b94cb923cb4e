/**
 * Metric names referenced by a PromQL expression: enough of a lexer to skip strings, label matchers,
 * range/offset durations, function and aggregation names and grouping label lists. Used to check
 * alert rules and dashboard panels against the exporter metric families (families.ts).
 */

const KEYWORDS = new Set(["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan", "atan2"]);
const AGGREGATIONS = new Set(["sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio"]);
const LABEL_LIST_KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);

function skipBalanced(expr: string, start: number, open: string, close: string): number {
    let depth = 0;
    for (let i = start; i < expr.length; i++) {
        const ch = expr[i];
        if (ch === '"' || ch === "'" || ch === "`") {
            i = skipString(expr, i);
            continue;
        }
        if (ch === open) depth++;
        else if (ch === close) {
            depth--;
            if (depth === 0) return i + 1;
        }
    }
    throw new Error(`unbalanced '${open}' in PromQL: ${expr}`);
}

function skipString(expr: string, start: number): number {
    const quote = expr[start];
    for (let i = start + 1; i < expr.length; i++) {
        if (expr[i] === "\\" && quote !== "`") {
            i++;
            continue;
        }
        if (expr[i] === quote) return i;
    }
    throw new Error(`unterminated string in PromQL: ${expr}`);
}

function nextNonSpace(expr: string, i: number): number {
    while (i < expr.length && /\s/.test(expr[i])) i++;
    return i;
}

export function metricNames(expr: string): Set<string> {
    const names = new Set<string>();
    let i = 0;
    while (i < expr.length) {
        const ch = expr[i];
        if (ch === '"' || ch === "'" || ch === "`") {
            i = skipString(expr, i) + 1;
            continue;
        }
        if (ch === "{") {
            i = skipBalanced(expr, i, "{", "}");
            continue;
        }
        if (ch === "[") {
            i = skipBalanced(expr, i, "[", "]");
            continue;
        }
        if (/[0-9.]/.test(ch)) {
            // number or duration (1e9, 0.05, 5m, 1h30m)
            const m = /^(?:0x[0-9a-fA-F]+|[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?(?:[a-z]+[0-9]*)*)/.exec(expr.slice(i));
            i += m && m[0].length > 0 ? m[0].length : 1;
            continue;
        }
        if (/[a-zA-Z_:]/.test(ch)) {
            const m = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(expr.slice(i))!;
            const word = m[0];
            i += word.length;
            const after = nextNonSpace(expr, i);
            const lower = word.toLowerCase();
            if (LABEL_LIST_KEYWORDS.has(lower)) {
                if (expr[after] === "(") i = skipBalanced(expr, after, "(", ")");
                continue;
            }
            if (KEYWORDS.has(lower) || AGGREGATIONS.has(word)) continue;
            if (expr[after] === "(") continue; // function call
            names.add(word);
            continue;
        }
        if (ch === "$") {
            // Grafana template variable outside a matcher, e.g. [$__rate_interval] is skipped above.
            const m = /^\$[a-zA-Z_][a-zA-Z0-9_]*/.exec(expr.slice(i));
            i += m ? m[0].length : 1;
            continue;
        }
        i++;
    }
    return names;
}
