// File: commands.h
//
// The `entrepot` subcommands. Each takes its parsed options and returns the process exit
// status: 0 on success, 1 when the input was refused or a check failed, 2 when the command
// could not run (missing files, store errors). main.cc only parses arguments and dispatches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace entrepot::cli {

// `entrepot barcode DATA`: what a scan means, as JSON on stdout.
int RunBarcode(const std::string& data, int reference_year);

// Every command that opens a site takes, besides --data DIR, `--store postgresql://...
// [--site CODE]`: the journal is then the site's in PostgreSQL and DIR keeps the other files
// (docs/STORAGE.md). A bad URL (bad_store_url), a database holding several sites without
// --site (site_required) or a bad code (bad_site_code) exit 1; a site the database does not
// hold (journal_not_found, site_not_found) or a server that cannot be reached
// (journal_unavailable) exit 2.

struct InitOptions {
  std::string data_dir;
  std::string layout_file;
  std::string store;  // "": DIR/journal.db; else a postgresql:// URL holding the journal.
  std::string site;   // With `store`: must be the layout's site code when given.
};
// `entrepot init --data DIR --layout FILE [--store postgresql://... [--site CODE]]`: creates
// the site (DIR, and its journal in DIR or in the database under the layout's site code).
// Exit 1 for an invalid layout or site_mismatch (--site is not the layout's code), 2 when the
// site cannot be created, site_initialised when it has records already.
int RunInit(const InitOptions& options);

struct IngestOptions {
  std::string data_dir;
  std::string store;       // As InitOptions.
  std::string site;        // With `store`: the site code; "": the database's only site.
  std::string input_file;  // NDJSON scan records; "-" reads stdin.
  std::optional<std::string> outcomes_file;  // Per-line outcomes as NDJSON.
  size_t batch_size = 4096;                  // Commands per commit.
  int64_t stow_too_fast_ms = 1250;           // Stows from one device closer than this flag the bin.
};
// `entrepot ingest --data DIR [--store URL [--site CODE]] FILE.ndjson [--outcomes FILE]
// [--batch N]`.
int RunIngest(const IngestOptions& options);

struct StockOptions {
  std::string data_dir;
  std::string store;  // As IngestOptions.
  std::string site;
  std::optional<std::string> location;   // Location code or scanned label.
  std::optional<std::string> product;    // GTIN-8/12/13/14.
  std::optional<std::string> container;  // Canonical id, or a scanned label or SSCC.
  bool json = false;
};
struct OrdersImportOptions {
  std::string data_dir;
  std::string input_file;  // NDJSON (one POST /api/v1/orders body per line) or CSV.
  std::string format;      // "ndjson", "csv", or "": from the extension (.ndjson/.jsonl, .csv).
  bool amend = false;      // Amend an order that exists instead of refusing it.
  std::string store;       // "": DIR/journal.db; else a postgresql:// URL (docs/STORAGE.md).
  std::string site;        // With `store`: the site code; "": the database's only site.
};
// `entrepot orders import --data DIR [--store URL [--site CODE]] FILE [--format ndjson|csv]
// [--amend]` (docs/ORDERS.md,
// "Importing orders"): places each order of FILE through the site engine, one commit each.
// A refused order is printed to stderr as "line N: order ID: reason: message" and the import
// goes on; the CSV reader's errors (record_too_long, too_many_fields, bad_quote,
// unterminated_quote) and bad_row, conflicting_terms, incomplete_order, duplicate_order (an
// id seen earlier in the file), too_many_orders (over 1,000,000; the import stops) come
// with core's reasons (order_exists, unknown_product, ...). Prints a summary (placed,
// amended, refused, units reserved, units short). Exit 0 when nothing was refused, 1
// otherwise; 2 for unknown_format, file_not_found, file_too_large (over 256 MiB),
// bad_header, the site's errors, or a store failure (the orders before it stay placed).
int RunOrdersImport(const OrdersImportOptions& options);

// `entrepot stock --data DIR [--store URL [--site CODE]] [--location L | --product GTIN |
// --container C] [--json]`.
int RunStock(const StockOptions& options);

struct ServeOptions {
  std::string data_dir;
  std::string listen = "127.0.0.1:8080";  // HOST:PORT; port 0 picks a free port.
  int network_threads = 2;
  std::optional<std::string> policy_file;  // None: the strict built-in policy.
  std::string gln;                         // The site's GLN for its EPCIS events; "": none.
  int gcp_length = 7;                      // GS1 Company Prefix digits in their EPC URNs.
  std::string store;  // "": DIR/journal.db; else a postgresql:// URL holding the journal.
  std::string site;   // With `store`: the site code; "": the database's only site.
  // PostgreSQL store: how long this node's lease on the site lasts without renewal (1..600);
  // a standby node takes the site over this long after the active node stops renewing.
  int lease_seconds = 5;
  // The directory of the labor stream's day and week keys; "": DIR/labor-keys. With a
  // PostgreSQL store, point the nodes of a site at one shared directory (docs/LABOR.md).
  std::string labor_keys;
  // The built web pages (web/dist) to serve at "/". None: the source tree's web/dist when it
  // was built, else the API alone; given, a missing or unreadable directory refuses to start.
  std::optional<std::string> web_dir;
};
// `entrepot serve --data DIR [--store postgresql://... [--site CODE]] [--labor-keys DIR]
// [--listen HOST:PORT] [--network-threads N] [--policy FILE] [--gln GLN] [--gcp-length N]
// [--web DIR]`: the HTTP
// API (docs/API.md) and the web pages (docs/WEB.md) until SIGINT or SIGTERM. With --store the
// journal is in PostgreSQL and DIR keeps the other files (docs/STORAGE.md). Refuses to start on a
// policy that breaks a hard rule (docs/POLICY.md), printing each violation. Exit 1 for a bad
// address, an unreadable, invalid or unlawful policy, or a bad --gln or
// --gcp-length (bad_gln, bad_company_prefix_length), 2 when the site or its audit log cannot
// be opened or the address bound.
int RunServe(const ServeOptions& options);

struct SimulateOptions {
  std::string layout_file;                   // The site's layout TOML.
  std::optional<std::string> scenario_file;  // Scenario TOML; none: the defaults.
  std::string target;        // "http://HOST:PORT" of a running server; "" with output_file.
  bool token_stdin = false;  // With target: an admin session token is the first stdin line.
  std::string output_file;   // NDJSON scan records; "-": stdout (the report goes to stderr).
  int connections = 8;       // With target: 1..256.
  std::string device_prefix = "SIM";  // Server device names: "SIM-R01", ...
  std::optional<uint64_t> seed;       // Replaces the scenario's seed.
  bool verify = false;                // With target: check the server against the model.
};
// `entrepot simulate --layout FILE [--scenario FILE] (--target http://HOST:PORT --token-stdin
// | --output FILE.ndjson) [--connections N] [--device-prefix P] [--seed N] [--verify]`
// (docs/SIMULATOR.md): runs a simulated shift against a server over HTTP (Ctrl-C stops it
// and still reports), or writes its scan stream as NDJSON for `entrepot ingest` (free
// picking only: directed picking needs the server's tasks). Prints a report: units, orders,
// cut-offs met, scans by outcome, surprises, request latency percentiles, and with --verify
// the differences between the server and the model. Exit 0; 1 for refused options, layout
// or scenario (bad_options, bad_target, missing_token, bad_scenario, directed_picking, ...),
// a failed run (device_name_taken, server_unreachable, model_stalled, ...), surprises or
// mismatches; 2 when a file cannot be read or the output written.
int RunSimulate(const SimulateOptions& options);

struct DemoOptions {
  std::string data_dir = "demo-data";
  std::string layout_file = "examples/fc-lyon/layout.toml";
  std::string scenario_file = "examples/fc-lyon/scenario.toml";
  std::string listen = "127.0.0.1:8080";
  std::optional<double> speed;         // Replaces the scenario's.
  int connections = 32;                // 1..256.
  bool fresh = false;                  // Delete the site in data_dir first.
  bool once = false;                   // Stop when the shift is over instead of serving on.
  std::optional<std::string> web_dir;  // As ServeOptions::web_dir.
};
// `entrepot demo [--data DIR] [--layout FILE] [--scenario FILE] [--listen HOST:PORT]
// [--speed X] [--connections N] [--fresh] [--once] [--web DIR]` (docs/SIMULATOR.md): the
// site (created from the layout when DIR has none), one demo account per role, the server
// with the web pages when they are built (their URLs are printed), and the
// scenario's shift from now driving it over HTTP with a progress line; then serves until
// SIGINT or SIGTERM, which stop everything cleanly. Exit 0; 1 for a layout, scenario or
// option refused, or a --fresh DIR that holds something else than a site; 2 when the site,
// the accounts or the address cannot be opened, or the simulation failed.
int RunDemo(const DemoOptions& options);

// DIR/accounts.db: the site's accounts, devices and sessions (auth::AccountStore).
std::string AccountsPath(const std::string& data_dir);

struct UserAddOptions {
  std::string data_dir;
  std::string store;  // As IngestOptions: the site is checked in the database.
  std::string site;
  std::string login;
  std::string role;
  std::string name;                        // Display name; the login when empty.
  std::vector<std::string> scope = {"*"};  // Site codes, or "*".
  bool password_stdin = false;             // Read the password as the first line of stdin.
};
// `entrepot user add --data DIR [--store URL [--site CODE]] --login L --role R [--name N]
// [--scope S...] [--password-stdin]`: the password is read from stdin, without echo on a
// terminal (asked twice). The accounts are DIR/accounts.db's; DIR must be a site's: it holds
// journal.db or accounts.db, or with --store it exists and the database holds the site (whose
// code accounts.db then records, site_mismatch when it holds another's). Exit 1 for refused
// input (weak_password, login_taken, bad_role, bad_store_url, ...), 2 when the site or the
// store cannot be opened (site_not_found, journal_not_found, data_dir_not_found, ...).
int RunUserAdd(const UserAddOptions& options);

struct DeviceAddOptions {
  std::string data_dir;
  std::string name;
  std::string store;  // As UserAddOptions.
  std::string site;
};
// `entrepot device add --data DIR [--store URL [--site CODE]] --name NAME`: prints the
// device's token (once) on stdout. DIR as for `user add`. Exit 1 for a bad or taken name, 2
// when the site or the store cannot be opened.
int RunDeviceAdd(const DeviceAddOptions& options);

struct VerifyOptions {
  std::string data_dir;
  std::string store;  // As IngestOptions.
  std::string site;
};
// `entrepot verify --data DIR [--store URL [--site CODE]]`: the journal's integrity and its
// replay (engine::SiteEngine::Verify). Exit 0 when both hold, 1 otherwise or when the site
// cannot be opened.
int RunVerify(const VerifyOptions& options);

struct PolicyOptions {
  std::optional<std::string> file;   // A policy TOML file; none: the built-in default.
  std::optional<std::string> today;  // YYYY-MM-DD the governance records are judged at (UTC
                                     // today when absent).
  std::string language = "en";       // explain only: "en" or "fr".
  bool json = false;                 // register only: JSON instead of Markdown.
};
// `entrepot policy check [FILE] [--today DATE]`: prints each violation (rule id, severity,
// key, what is wrong, source; docs/POLICY.md). Exit 0 when no hard rule is broken, 1 when
// one is, and 1 also for an unreadable or invalid file or date (with the key path).
int RunPolicyCheck(const PolicyOptions& options);
// `entrepot policy explain [FILE] [--lang en|fr] [--today DATE]`: the notice to workers in
// plain language. Exit 0, or 1 for an unreadable or invalid file, date or language; for an
// unlawful policy it warns on stderr and still explains.
int RunPolicyExplain(const PolicyOptions& options);
// `entrepot policy register [FILE] [--json] [--today DATE]`: the record of processing
// activities (GDPR Art. 30) the policy implies, as Markdown or JSON (docs/AUDIT.md). Exit 0,
// or 1 for an unreadable or invalid file or date; for an unlawful policy it warns on stderr
// and still prints.
int RunPolicyRegister(const PolicyOptions& options);

struct AuditVerifyOptions {
  std::string data_dir;
  std::optional<std::string> checkpoint;  // "SEQ:HASH" printed by an earlier verify.
  // A postgresql:// URL: the site's audit log is in that database (docs/STORAGE.md); the
  // key stays DIR/audit.key. Empty: DIR/audit.db.
  std::string store;
  std::string site;  // With `store`: the site code; empty for the database's only site.
};
// `entrepot audit verify --data DIR [--store URL [--site CODE]] [--checkpoint SEQ:HASH]`:
// checks the hash chain of DIR/audit.db, or of the site's log in PostgreSQL, with
// DIR/audit.key (docs/AUDIT.md). Exit 0 with a one-line summary ending with the head to keep
// as a checkpoint; 1 naming the first broken record and why (edited, deleted, reordered,
// truncated, ...), also when the log is damaged or the checkpoint malformed; 2 when the log
// or its key cannot be opened (also a bad store URL or site, no site in the database).
int RunAuditVerify(const AuditVerifyOptions& options);

struct AuditListOptions {
  std::string data_dir;
  std::string store;                   // As AuditVerifyOptions::store.
  std::string site;                    // As AuditVerifyOptions::site.
  std::optional<std::string> subject;  // Records about this login (and about everyone).
  std::optional<std::string> actor;    // Records by this login or device name.
  std::optional<int64_t> from_ms;      // at >= from_ms.
  std::optional<int64_t> to_ms;        // at < to_ms.
  uint64_t cursor = 0;                 // Paging: the cursor the previous page printed.
  bool newest_first = false;
  size_t limit = 100;  // 1..1000.
};
// `entrepot audit list --data DIR [--store URL [--site CODE]] [--subject LOGIN] [--actor NAME]
// [--from-ms MS] [--to-ms MS] [--newest-first] [--limit N] [--cursor SEQ]`: one JSON object per
// record on stdout; when more records match, "more: --cursor SEQ" on stderr. Exit 0, 1 for refused
// options (bad_limit, bad_query), 2 when the log cannot be read.
int RunAuditList(const AuditListOptions& options);

struct MigrateOptions {
  std::string from_dir;         // A site's data directory (DIR/journal.db).
  std::string to_store;         // postgresql://... (or a libpq conninfo).
  size_t batch_records = 4096;  // Records per transaction in PostgreSQL.
};
// `entrepot migrate --from DIR --to postgresql://...`: copies the site's journal (and its
// newest snapshot) into PostgreSQL under the site's code, then verifies by replay: the site
// opened from PostgreSQL must have the same last seq and the same encoded state as from
// DIR. DIR/journal.db is left as it was. Stop `entrepot serve` on DIR first: records
// committed after the copy started are not moved. Exit 0 with a summary; 1 when refused
// (bad_store_url, site_empty, target_not_empty: the site already has records in the
// database); 2 when it cannot run (site_not_found, store errors) or the verification fails
// (migration_mismatch: the copy is left in the database and the message says how to remove
// it).
int RunMigrate(const MigrateOptions& options);

// At most this many events go into one exported document (a few KiB of memory each while
// the document is built and checked); more give "too_many_events": narrow --from/--to.
inline constexpr size_t kMaxExportEvents = 50'000;

struct ExportEpcisOptions {
  std::string data_dir;
  std::string store;  // As IngestOptions.
  std::string site;
  std::optional<std::string> from;         // YYYY-MM-DD (midnight UTC) or EPCIS date-time.
  std::optional<std::string> to;           // Exclusive; same forms.
  std::optional<std::string> output_file;  // None: stdout.
  std::string ids = "urn";                 // "urn" or "digital-link".
  int company_prefix_length = 7;           // Digits of the GS1 Company Prefix in URNs.
  std::optional<std::string> gln;          // The site's GLN; none: private location URNs.
  size_t max_events = kMaxExportEvents;    // 1..kMaxExportEvents.
};
// `entrepot export epcis --data DIR [--store URL [--site CODE]] [--from T] [--to T]
// [--output FILE] [--ids urn|digital-link] [--gcp-length N] [--gln GLN] [--max-events N]`:
// the events of the journal whose time is in [from, to) as one GS1 EPCIS 2.0 document
// (docs/EPCIS.md), checked against the EPCIS JSON Schema before it is written (to FILE
// through a temporary file, or stdout); a summary goes to stderr. Exit 1 for refused options
// or data (bad_time, bad_range, bad_id_form, bad_company_prefix_length, bad_gln,
// bad_max_events, too_many_events, identifiers that cannot be written, bad_store_url,
// site_required), 2 when the site cannot be read (site_not_found, site_not_defined,
// journal errors), the output cannot be written, or the document fails the schema
// (invalid_epcis_document: a bug).
int RunExportEpcis(const ExportEpcisOptions& options);

}  // namespace entrepot::cli
