import * as assert from "node:assert/strict";
import { checkIngressTls, haproxyFrontends, nginxServerBlocks } from "../../policy/rules/ingress";
import { container, ingressContainer, NGINX_CONF, withProps } from "./fixtures";

const cfg = { tlsPorts: [443], redirectPorts: [80] };

const HAPROXY_OK = `
global
    log stdout format raw local0
defaults
    mode http
frontend http
    bind :80
    http-request redirect scheme https code 301
frontend https
    bind :443 ssl crt /etc/haproxy/tls/site.pem
    default_backend app
backend app
    server a 10.0.1.11:8080 check
`;

describe("policy: docker-ingress-tls", () => {
    it("finds nginx server blocks and haproxy frontends", () => {
        assert.equal(nginxServerBlocks(NGINX_CONF).length, 2);
        assert.equal(haproxyFrontends(HAPROXY_OK).length, 2);
    });
    it("passes nginx redirecting 80 to https and serving 443 ssl", () => {
        assert.deepEqual(checkIngressTls(ingressContainer(), cfg), []);
    });
    it("passes haproxy with redirect scheme https", () => {
        assert.deepEqual(checkIngressTls(ingressContainer(HAPROXY_OK), cfg), []);
    });
    it("ignores non-ingress containers", () => {
        assert.deepEqual(checkIngressTls(container(), cfg), []);
    });
    it("fails an ingress without a public TLS port", () => {
        const c = ingressContainer();
        const v = checkIngressTls(withProps(c, { ports: [{ internal: 80, external: 80, ip: "0.0.0.0" }] }), cfg);
        assert.equal(v.length, 1);
        assert.match(v[0].message, /publishes 80 publicly but no TLS port/);
    });
    it("fails plaintext on a public port other than the redirect port", () => {
        const c = ingressContainer();
        const ports = [...(c.props.ports as object[]), { internal: 8080, external: 8080, ip: "0.0.0.0" }];
        const v = checkIngressTls(withProps(c, { ports }), cfg);
        assert.equal(v.length, 1);
        assert.match(v[0].message, /plaintext on public port 8080/);
    });
    it("fails nginx that proxies on port 80 instead of redirecting", () => {
        const conf = NGINX_CONF.replace("location / { return 301 https://$host$request_uri; }", "location / { proxy_pass http://10.0.1.11:8080; }");
        const v = checkIngressTls(ingressContainer(conf), cfg);
        assert.equal(v.length, 1);
        assert.match(v[0].message, /nginx server on plaintext port 80 does not redirect/);
    });
    it("fails haproxy whose port-80 frontend serves the backend", () => {
        const v = checkIngressTls(ingressContainer(HAPROXY_OK.replace("http-request redirect scheme https code 301", "default_backend app")), cfg);
        assert.equal(v.length, 1);
        assert.match(v[0].message, /haproxy frontend bound to plaintext port 80/);
    });
});
