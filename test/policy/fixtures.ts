/**
 * Happy-path resources for policy tests, shaped like the inputs the components register
 * (property names checked against node_modules/@pulumi/{docker,hcloud}/*.d.ts). Each test mutates
 * one field of a fresh copy.
 */
import { makeView, ResourceView, TYPES } from "../../policy/lib/resource";

export const DIGEST = "sha256:" + "a".repeat(64);

export function labels(map: Record<string, string>): { label: string; value: string }[] {
    return Object.entries(map).map(([label, value]) => ({ label, value }));
}

export interface ContainerOpts {
    name?: string;
    node?: string;
    service?: string;
    role?: string;
    extraLabels?: Record<string, string>;
    props?: Record<string, unknown>;
}

/** A postgres primary on node1 as the docker runtime would declare it. */
export function container(opts: ContainerOpts = {}): ResourceView {
    const name = opts.name ?? `${opts.node ?? "node1"}-${opts.service ?? "postgres"}`;
    return makeView({
        type: TYPES.container,
        name,
        urn: `urn:pulumi:node1::daarion::daarion:workload:Docker$docker:index/container:Container::${name}`,
        props: {
            name,
            image: `docker.io/library/postgres@${DIGEST}`,
            envs: ["POSTGRES_USER=daarion", "POSTGRES_PASSWORD=Xq7vR2pL9sT4wK8mN3bZ", "PGDATA=/var/lib/postgresql/data/pgdata"],
            labels: labels({
                "daarion.node": opts.node ?? "node1",
                "daarion.service": opts.service ?? "postgres",
                "daarion.role": opts.role ?? "primary",
                ...opts.extraLabels,
            }),
            ports: [{ internal: 5432, external: 5432, ip: "10.0.1.11", protocol: "tcp" }],
            memory: 2048,
            healthcheck: { tests: ["CMD", "pg_isready", "-h", "127.0.0.1"], interval: "10s", timeout: "5s", retries: 5 },
            volumes: [{ volumeName: "node1-postgres-data", containerPath: "/var/lib/postgresql/data" }],
            restart: "unless-stopped",
            ...opts.props,
        },
    });
}

/** Returns a copy of `view` with props replaced/merged. */
export function withProps(view: ResourceView, props: Record<string, unknown>): ResourceView {
    return { ...view, props: { ...view.props, ...props } };
}

export const NGINX_CONF = `
events {}
http {
    server {
        listen 80;
        listen [::]:80;
        location /.well-known/acme-challenge/ { root /var/www/acme; }
        location / { return 301 https://$host$request_uri; }
    }
    server {
        listen 443 ssl;
        ssl_certificate /etc/nginx/tls/fullchain.pem;
        ssl_certificate_key /etc/nginx/tls/privkey.pem;
        location / { proxy_pass http://10.0.1.11:8080; }
    }
}
`;

/** An nginx gateway on node3, published publicly on 80 (redirect) and 443. */
export function ingressContainer(conf = NGINX_CONF): ResourceView {
    return container({
        name: "node3-gateway",
        node: "node3",
        service: "gateway",
        role: "edge",
        extraLabels: { "daarion.ingress": "true" },
        props: {
            image: `docker.io/library/nginx@${DIGEST}`,
            envs: [],
            ports: [
                { internal: 80, external: 80, ip: "0.0.0.0", protocol: "tcp" },
                { internal: 443, external: 443, ip: "0.0.0.0", protocol: "tcp" },
                { internal: 9113, external: 9113, ip: "10.0.1.13", protocol: "tcp" },
            ],
            uploads: [{ file: "/etc/nginx/nginx.conf", content: conf }],
            volumes: [],
        },
    });
}

export function firewall(rules: Record<string, unknown>[], name = "node2-fw"): ResourceView {
    return makeView({
        type: TYPES.hcloudFirewall,
        name,
        urn: `urn:pulumi:node2::daarion::hcloud:index/firewall:Firewall::${name}`,
        props: { name, rules },
    });
}

export const HTTPS_RULE = { direction: "in", protocol: "tcp", port: "443", sourceIps: ["0.0.0.0/0", "::/0"], description: "https" };
export const SSH_RULE = { direction: "in", protocol: "tcp", port: "22", sourceIps: ["203.0.113.0/24", "2001:db8:1::/48"], description: "ssh admins" };
export const ADMIN_CIDRS = ["203.0.113.0/24", "2001:db8::/32"];

export function server(name = "node2", extra: Partial<ResourceView> = {}, props: Record<string, unknown> = {}): ResourceView {
    return makeView({
        type: TYPES.hcloudServer,
        name,
        urn: `urn:pulumi:${name}::daarion::hcloud:index/server:Server::${name}`,
        protect: true,
        ignoreChanges: ["userData", "image"],
        props: {
            name,
            serverType: "cx32",
            image: "debian-12",
            location: "fsn1",
            deleteProtection: true,
            rebuildProtection: true,
            labels: { "daarion.node": name, "daarion.role": "replica" },
            firewallIds: [101],
            networks: [{ networkId: 7, ip: "10.0.1.12", aliasIps: [] }],
            ...props,
        },
        ...extra,
    });
}
