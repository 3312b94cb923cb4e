/**
 * One service's part of one node (`daarion:postgres:Server`, `daarion:redis:Node`, ...), as a
 * component that owns the workloads it deploys: they are created inside its constructor, as its
 * children, and what it exports is registered as its outputs. Modules used to declare an empty
 * component and attach workloads to it from outside (issue 13).
 *
 * The type token and name stay the module's, so the URNs of the component and of every child are
 * those of the empty components this replaces: no deployed resource is renamed or replaced.
 */
import * as pulumi from "@pulumi/pulumi";
import type { DeployedWorkload, DeployOptions } from "./runtime";
import type { WorkloadSpec } from "./spec";

/** Realizes a workload as a child of the component (parent is set by the component). */
export type DeployChild = (spec: WorkloadSpec, opts?: Omit<DeployOptions, "parent">) => DeployedWorkload;

export class NodeService<Outputs extends Record<string, pulumi.Input<unknown>> = Record<string, never>> extends pulumi.ComponentResource {
    /** What `build` returned: the module's outputs for this node. */
    public readonly exports: Outputs;
    /** The workloads this component deployed, in order. */
    public readonly workloads: DeployedWorkload[] = [];

    /**
     * @param type the module's type token, `daarion:<module>:<Type>`
     * @param deploy the node context's `deploy` (NodeContext.deploy)
     * @param build deploys this service's workloads through `child` and returns its outputs; other
     *   resources it declares take `component` as their parent
     */
    constructor(
        type: string,
        name: string,
        deploy: (spec: WorkloadSpec, opts?: DeployOptions) => DeployedWorkload,
        build: (child: DeployChild, component: pulumi.ComponentResource) => Outputs,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super(type, name, {}, opts);
        const child: DeployChild = (spec, childOpts = {}) => {
            const deployed = deploy(spec, { ...childOpts, parent: this });
            this.workloads.push(deployed);
            return deployed;
        };
        this.exports = build(child, this);
        this.registerOutputs(this.exports);
    }
}
