/**
 * The Grafana dashboard of HAProxy (ingress): panels query only the `haproxy` exporter's series
 * (monitoring/families.ts; test/monitoring/config.test.ts checks every panel). Monitoring renders
 * it into the grafana container (PlatformModule.dashboards).
 */
import { DashboardSpec, PANEL_NODE as N, RATE_INTERVAL as RI } from "../monitoring/grafana";

export function haproxyDashboards(): DashboardSpec[] {
    return [
        {
            uid: "daarion-haproxy",
            title: "HAProxy",
            exporter: "haproxy",
            job: "haproxy",
            panels: [
                { title: "Backend servers up", expr: `haproxy_backend_active_servers{${N}}`, unit: "short", legend: "{{node}} {{proxy}}" },
                { title: "Server state DOWN", expr: `haproxy_server_status{${N}, state="DOWN"}`, unit: "short", legend: "{{proxy}}/{{server}}" },
                { title: "Frontend requests / s", expr: `sum by (proxy) (rate(haproxy_frontend_http_requests_total{${N}}[${RI}]))`, unit: "reqps", legend: "{{proxy}}" },
                { title: "Backend 5xx ratio", expr: `sum by (proxy) (rate(haproxy_backend_http_responses_total{${N}, code="5xx"}[${RI}])) / sum by (proxy) (rate(haproxy_backend_http_responses_total{${N}}[${RI}]))`, unit: "percentunit", legend: "{{proxy}}" },
                { title: "Backend response time", expr: `haproxy_backend_response_time_average_seconds{${N}}`, unit: "s", legend: "{{proxy}}" },
                { title: "Current sessions", expr: `haproxy_frontend_current_sessions{${N}}`, unit: "short", legend: "{{proxy}}" },
            ],
        },
    ];
}
