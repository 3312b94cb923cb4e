/**
 * Module `images`: the catalogue of every image the platform runs (./catalogue.ts, ./team.ts) and
 * the contract check every container passes (./check.ts), over declared resources (./resources.ts).
 */
import { checkContainers, ContractViolation, declaredContracts, formatViolation } from "./check";
import { containersUnderCheck, DeclaredResource } from "./resources";
import { kubernetesContainersUnderCheck } from "../workload/kubernetes-contracts";

export * from "./contract";
export { IMAGE_CATALOGUE } from "./catalogue";
export { checkContainer, checkContainers, effectiveArgv, findContract, formatViolation, parseImageRef } from "./check";
export type { ContainerUnderCheck, ContractViolation } from "./check";
export { containersUnderCheck } from "./resources";
export type { DeclaredResource } from "./resources";

export interface ImageContractReport {
    readonly violations: ContractViolation[];
    /** `node/workload` of containers whose image contract is team-declared, not read upstream. */
    readonly declared: string[];
}

/** The check over a stack's declared resources (offline render records or policy views). */
export function checkDeclaredResources(resources: readonly DeclaredResource[]): ImageContractReport {
    // Pods of the Kubernetes runtime are checked as containers are (components/workload/kubernetes-contracts.ts).
    const containers = [...containersUnderCheck(resources), ...kubernetesContainersUnderCheck(resources)];
    return { violations: checkContainers(containers), declared: declaredContracts(containers) };
}

/** Lines for the render: one per violation, then one warning for declared contracts. */
export function reportLines(report: ImageContractReport): { errors: string[]; warnings: string[] } {
    const warnings = report.declared.length > 0 ? [`image contracts declared by the team, not read upstream (components/images/team.ts): ${report.declared.join(", ")}`] : [];
    return { errors: report.violations.map(formatViolation), warnings };
}
