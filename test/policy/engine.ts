/**
 * Plays the Pulumi engine's side of the analyzer protocol against the real policy pack process:
 * starts `policy/index.ts` exactly as the CLI's nodejs policy host does (the pack prints the port
 * of its gRPC Analyzer server on stdout), then calls Analyze / AnalyzeStack / Remediate with
 * properties serialized the way the engine serializes them (secret and unknown sentinels).
 */
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import * as analyzerrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { RunningProcess, startProcess, waitFor } from "../support/process";

const REPO = path.resolve(__dirname, "..", "..");

/** The engine's wire sentinels are the program's own: unknown (components/dynamic/unknowns.ts), secret (components/secrets/signature.ts). */
export { UNKNOWN as UNKNOWN_STRING } from "../../components/dynamic/unknowns";
export { SECRET_SIG, SIG_KEY, secretEnvelope as secret } from "../../components/secrets/signature";

export interface EngineResource {
    type: string;
    name: string;
    urn?: string;
    props: Record<string, unknown>;
    protect?: boolean;
    ignoreChanges?: string[];
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
}

export interface Diagnostic {
    policyName: string;
    message: string;
    enforcementLevel: "advisory" | "mandatory" | "disabled" | "remediate";
    urn: string;
}

const LEVELS = ["advisory", "mandatory", "disabled", "remediate"] as const;

function urnOf(r: EngineResource): string {
    return r.urn ?? `urn:pulumi:test::daarion::${r.type}::${r.name}`;
}

function options(r: EngineResource): analyzerpb.AnalyzerResourceOptions {
    const o = new analyzerpb.AnalyzerResourceOptions();
    o.setProtect(r.protect ?? false);
    o.setIgnorechangesList(r.ignoreChanges ?? []);
    o.setCustomtimeouts(new analyzerpb.AnalyzerResourceOptions.CustomTimeouts());
    return o;
}

function unary<Req, Res>(client: grpc.Client, method: string, request: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
        (client as unknown as Record<string, (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => void>)[method](
            request,
            (err, res) => (err ? reject(err) : resolve(res)),
        );
    });
}

export class PolicyPackServer {
    private constructor(
        private readonly proc: RunningProcess,
        private readonly client: analyzerrpc.AnalyzerClient,
    ) {}

    static async start(): Promise<PolicyPackServer> {
        const proc = startProcess("policy-pack", process.execPath, ["--require", "tsx/cjs", "index.ts"], {
            cwd: path.join(REPO, "policy"),
            env: { ...process.env, NODE_PATH: path.join(REPO, "node_modules") },
        });
        const port = await waitFor(
            "the policy pack to print its gRPC port",
            () => {
                if (proc.child.exitCode !== null) throw new Error(`policy pack exited ${proc.child.exitCode}: ${proc.output()}`);
                const m = /^(\d+)\s*$/m.exec(proc.output());
                return m ? Number(m[1]) : undefined;
            },
            60_000,
            100,
        );
        const client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        return new PolicyPackServer(proc, client);
    }

    async stop(): Promise<void> {
        this.client.close();
        await this.proc.stop();
    }

    async info(): Promise<analyzerpb.AnalyzerInfo> {
        return unary(this.client, "getAnalyzerInfo", new Empty());
    }

    /** Per-policy config, as `--policy-pack-config` delivers it. */
    async configure(config: Record<string, { enforcementLevel?: (typeof LEVELS)[number]; [k: string]: unknown }>): Promise<void> {
        const req = new analyzerpb.ConfigureAnalyzerRequest();
        for (const [name, { enforcementLevel, ...props }] of Object.entries(config)) {
            const pc = new analyzerpb.PolicyConfig();
            pc.setEnforcementlevel(LEVELS.indexOf(enforcementLevel ?? "mandatory") as analyzerpb.EnforcementLevel);
            pc.setProperties(Struct.fromJavaScript(props as Record<string, never>));
            req.getPolicyconfigMap().set(name, pc);
        }
        await unary(this.client, "configure", req);
    }

    private request(r: EngineResource): analyzerpb.AnalyzeRequest {
        const req = new analyzerpb.AnalyzeRequest();
        req.setType(r.type);
        req.setName(r.name);
        req.setUrn(urnOf(r));
        req.setProperties(Struct.fromJavaScript(r.props as Record<string, never>));
        req.setOptions(options(r));
        return req;
    }

    async analyze(r: EngineResource): Promise<Diagnostic[]> {
        const res = await unary<analyzerpb.AnalyzeRequest, analyzerpb.AnalyzeResponse>(this.client, "analyze", this.request(r));
        return diagnostics(res);
    }

    async analyzeStack(resources: EngineResource[]): Promise<Diagnostic[]> {
        const req = new analyzerpb.AnalyzeStackRequest();
        req.setResourcesList(
            resources.map((r) => {
                const a = new analyzerpb.AnalyzerResource();
                a.setType(r.type);
                a.setName(r.name);
                a.setUrn(urnOf(r));
                a.setProperties(Struct.fromJavaScript(r.props as Record<string, never>));
                a.setOptions(options(r));
                a.setDependenciesList(r.dependencies ?? []);
                for (const [prop, urns] of Object.entries(r.propertyDependencies ?? {})) {
                    const deps = new analyzerpb.AnalyzerPropertyDependencies();
                    deps.setUrnsList(urns);
                    a.getPropertydependenciesMap().set(prop, deps);
                }
                return a;
            }),
        );
        return diagnostics(await unary<analyzerpb.AnalyzeStackRequest, analyzerpb.AnalyzeResponse>(this.client, "analyzeStack", req));
    }

    /** Remediated properties per policy name. */
    async remediate(r: EngineResource): Promise<Record<string, Record<string, unknown> | undefined>> {
        const res = await unary<analyzerpb.AnalyzeRequest, analyzerpb.RemediateResponse>(this.client, "remediate", this.request(r));
        const out: Record<string, Record<string, unknown> | undefined> = {};
        for (const rem of res.getRemediationsList()) {
            out[rem.getPolicyname()] = rem.getProperties()?.toJavaScript() as Record<string, unknown> | undefined;
        }
        return out;
    }
}

function diagnostics(res: analyzerpb.AnalyzeResponse): Diagnostic[] {
    return res.getDiagnosticsList().map((d) => ({
        policyName: d.getPolicyname(),
        message: d.getMessage(),
        enforcementLevel: LEVELS[d.getEnforcementlevel()],
        urn: d.getUrn(),
    }));
}
