// Stand-in `postgresql` provider (issue 15 item 2): the rules of the Terraform provider that
// @pulumi/postgresql 3.18.1 bridges. No PostgreSQL server is contacted (Configure does not connect).
//
// Pin: pulumi/pulumi-postgresql has no v3.18.1 tag in the stored mirror (newest v3.18.0) and the Go
// module proxy refuses github.com/pulumi/pulumi-postgresql/provider/v3@v3.18.1, so the pin is the
// mirror's newest commit, pulumi/pulumi-postgresql@346d9a08 (2026-08-07): its `upstream` submodule is
// cyrilgdn/terraform-provider-postgresql@ff936b95 (v1.26.0 + 3 commits). Rules cite
// cyrilgdn/terraform-provider-postgresql@ff936b95:postgresql/<file>:<line>.
import { type ProviderTable, serve } from "./engine";

const TF = "cyrilgdn/terraform-provider-postgresql@ff936b95:postgresql";
const ROLE = `${TF}/resource_postgresql_role.go`;
const DB = `${TF}/resource_postgresql_database.go`;

export const postgresqlTable: ProviderTable = {
    name: "postgresql",
    version: "3.18.1",
    resources: {
        "postgresql:index/role:Role": {
            source: ROLE,
            required: ["name"],
            // No ForceNew in the role schema: a new name is ALTER ROLE ... RENAME, a new password
            // ALTER ROLE ... PASSWORD (resourcePostgreSQLRoleUpdate).
            replaceOn: {},
            defaults: {
                encryptedPassword: true, // :106
                validUntil: "infinity", // :112
                connectionLimit: -1, // :118
                superuser: false, // :125
                createDatabase: false, // :131
                createRole: false, // :137
                inherit: true, // :149
                login: false, // :155
                replication: false, // :161
                bypassRowLevelSecurity: false, // :167
                skipDropRole: false, // :173
                skipReassignOwned: false, // :179
            },
            // The role name (:377 d.SetId(roleName)).
            id: (i) => String(i.name),
        },
        "postgresql:index/database:Database": {
            source: DB,
            required: ["name"],
            // A new name or owner is ALTER DATABASE in place; these are fixed at CREATE DATABASE.
            replaceOn: {
                template: `${DB}:56 ForceNew`,
                encoding: `${DB}:64 ForceNew`,
                lcCollate: `${DB}:71 ForceNew`,
                lcCtype: `${DB}:78 ForceNew`,
            },
            defaults: { connectionLimit: -1 /* :90 */, allowConnections: true /* :97 */, alterObjectOwnership: false /* :109 */ },
            computed: {
                // Optional+Computed: the server's values when unset. PostgreSQL's CREATE DATABASE
                // defaults (template1, pg_default); the locale of a cluster initialised with
                // en_US.utf8 is an assumption, not read from the pinned image. The program sets
                // owner, template and encoding itself (components/postgres/module.ts).
                owner: () => "postgres",
                template: () => "template1",
                encoding: () => "UTF8",
                lcCollate: () => "en_US.utf8",
                lcCtype: () => "en_US.utf8",
                tablespaceName: () => "pg_default",
                isTemplate: () => false,
            },
            // The database name (:121 d.SetId(d.Get(dbNameAttr))).
            id: (i) => String(i.name),
        },
    },
};

if (require.main === module) serve(postgresqlTable);
