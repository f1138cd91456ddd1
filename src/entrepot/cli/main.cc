// The entrepot command: parses arguments and dispatches to cli/commands.h.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "CLI/CLI.hpp"
#include "entrepot/cli/commands.h"

namespace {

int CurrentYear() {
  auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  return static_cast<int>(std::chrono::year_month_day(today).year());
}

constexpr const char* kSiteHelp = "With --store: the site code (default: the database's only site)";

// --store URL and --site CODE, for the commands that open a site (docs/STORAGE.md).
void AddStoreOptions(CLI::App* command, std::string& store, std::string& site,
                     const char* site_help = kSiteHelp) {
  CLI::Option* store_option = command->add_option(
      "--store", store,
      "The site's journal is in PostgreSQL: a postgresql:// URL (docs/STORAGE.md)");
  command->add_option("--site", site, site_help)->needs(store_option);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Entrepôt: warehouse management for handheld scanners"};
  app.require_subcommand(1);
  int status = 0;

  std::string barcode;
  int year = CurrentYear();
  CLI::App* barcode_command =
      app.add_subcommand("barcode", "Print what a scanned code means, as JSON");
  barcode_command->add_option("data", barcode, "The scanned data (GS as \\x1d or ^])")->required();
  barcode_command->add_option("--year", year, "Reference year for two-digit GS1 years");
  barcode_command->callback([&] { status = entrepot::cli::RunBarcode(barcode, year); });

  entrepot::cli::InitOptions init_options;
  CLI::App* init = app.add_subcommand("init", "Create a site from a layout file");
  init->add_option("--data", init_options.data_dir, "Data directory")->required();
  init->add_option("--layout", init_options.layout_file, "Layout TOML file")
      ->required()
      ->check(CLI::ExistingFile);
  AddStoreOptions(init, init_options.store, init_options.site,
                  "With --store: the site code (default and only choice: the layout's)");
  init->callback([&] { status = entrepot::cli::RunInit(init_options); });

  entrepot::cli::IngestOptions ingest_options;
  std::string outcomes;
  CLI::App* ingest = app.add_subcommand("ingest", "Ingest scan records from an NDJSON file");
  ingest->add_option("--data", ingest_options.data_dir, "Data directory")->required();
  AddStoreOptions(ingest, ingest_options.store, ingest_options.site);
  ingest->add_option("file", ingest_options.input_file, "NDJSON file, or - for stdin")->required();
  ingest->add_option("--outcomes", outcomes, "Write per-line outcomes as NDJSON to this file");
  ingest->add_option("--batch", ingest_options.batch_size, "Scans per commit")
      ->check(CLI::Range(1, 65536));
  ingest
      ->add_option("--stow-too-fast-ms", ingest_options.stow_too_fast_ms,
                   "Stows from one device closer than this flag the bin for a check")
      ->check(CLI::Range(0, 60'000));
  ingest->callback([&] {
    if (!outcomes.empty()) {
      ingest_options.outcomes_file = outcomes;
    }
    status = entrepot::cli::RunIngest(ingest_options);
  });

  entrepot::cli::StockOptions stock_options;
  std::string location, product, container;
  CLI::App* stock = app.add_subcommand("stock", "Print stock");
  stock->add_option("--data", stock_options.data_dir, "Data directory")->required();
  AddStoreOptions(stock, stock_options.store, stock_options.site);
  auto* by_location = stock->add_option("--location", location, "Location code or label");
  auto* by_product = stock->add_option("--product", product, "GTIN");
  auto* by_container = stock->add_option("--container", container, "Container id or label");
  by_location->excludes(by_product)->excludes(by_container);
  by_product->excludes(by_container);
  stock->add_flag("--json", stock_options.json, "Print JSON");
  stock->callback([&] {
    if (!location.empty()) {
      stock_options.location = location;
    }
    if (!product.empty()) {
      stock_options.product = product;
    }
    if (!container.empty()) {
      stock_options.container = container;
    }
    status = entrepot::cli::RunStock(stock_options);
  });

  entrepot::cli::OrdersImportOptions import_options;
  CLI::App* orders = app.add_subcommand("orders", "Import orders (docs/ORDERS.md)");
  orders->require_subcommand(1);
  CLI::App* orders_import =
      orders->add_subcommand("import", "Place the orders of an NDJSON or CSV file");
  orders_import->add_option("--data", import_options.data_dir, "Data directory")->required();
  AddStoreOptions(orders_import, import_options.store, import_options.site);
  orders_import->add_option("file", import_options.input_file, "NDJSON or CSV file")->required();
  orders_import
      ->add_option("--format", import_options.format,
                   "ndjson or csv (default: from the extension, .ndjson/.jsonl or .csv)")
      ->check(CLI::IsMember({"ndjson", "csv"}));
  orders_import->add_flag("--amend", import_options.amend,
                          "Amend orders that exist instead of refusing them");
  orders_import->callback([&] { status = entrepot::cli::RunOrdersImport(import_options); });

  entrepot::cli::VerifyOptions verify_options;
  CLI::App* verify = app.add_subcommand("verify", "Check the journal and its replay");
  verify->add_option("--data", verify_options.data_dir, "Data directory")->required();
  AddStoreOptions(verify, verify_options.store, verify_options.site);
  verify->callback([&] { status = entrepot::cli::RunVerify(verify_options); });

  entrepot::cli::ServeOptions serve_options;
  CLI::App* serve = app.add_subcommand("serve", "Serve the HTTP API (docs/API.md)");
  serve->add_option("--data", serve_options.data_dir, "Data directory")->required();
  serve->add_option("--listen", serve_options.listen, "HOST:PORT to listen on (port 0: any)");
  serve->add_option("--network-threads", serve_options.network_threads, "Network threads")
      ->check(CLI::Range(1, 64));
  serve->add_option("--policy", serve_options.policy_file,
                    "Privacy policy TOML (docs/POLICY.md); default: the strict built-in policy");
  serve->add_option("--gln", serve_options.gln,
                    "The site's GLN, for the SGLNs of its EPCIS events (default: private URNs)");
  serve->add_option("--gcp-length", serve_options.gcp_length,
                    "Digits of the GS1 Company Prefix in the site's EPC URNs (6 to 12)");
  AddStoreOptions(serve, serve_options.store, serve_options.site);
  serve
      ->add_option("--lease-seconds", serve_options.lease_seconds,
                   "PostgreSQL store: how long this node's lease on the site lasts without "
                   "renewal; a standby node takes the site over this long after the active "
                   "node stops renewing")
      ->check(CLI::Range(1, 600));
  serve->add_option("--labor-keys", serve_options.labor_keys,
                    "The directory of the labor stream's day and week keys and of the "
                    "sign-in keys that seal badge sign-ins (default DIR/labor-keys), one per "
                    "site; with --store, one directory shared by the site's nodes keeps a day "
                    "attributable and the workers signed in across a takeover (docs/LABOR.md)");
  serve->add_option("--web", serve_options.web_dir,
                    "The built web pages to serve at / (default: web/dist of the source tree)");
  serve->callback([&] { status = entrepot::cli::RunServe(serve_options); });

  entrepot::cli::MigrateOptions migrate_options;
  CLI::App* migrate = app.add_subcommand(
      "migrate", "Move a site's journal from DIR into PostgreSQL, verified by replay");
  migrate->add_option("--from", migrate_options.from_dir, "Data directory of the site")->required();
  migrate->add_option("--to", migrate_options.to_store, "postgresql:// URL of the database")
      ->required();
  migrate->add_option("--batch", migrate_options.batch_records, "Records per transaction")
      ->check(CLI::Range(1, 65536));
  migrate->callback([&] { status = entrepot::cli::RunMigrate(migrate_options); });

  entrepot::cli::UserAddOptions user_options;
  CLI::App* user = app.add_subcommand("user", "Manage user accounts");
  user->require_subcommand(1);
  CLI::App* user_add =
      user->add_subcommand("add", "Add a user (the first admin); password on stdin");
  user_add->add_option("--data", user_options.data_dir, "Data directory")->required();
  AddStoreOptions(user_add, user_options.store, user_options.site);
  user_add->add_option("--login", user_options.login, "Login name")->required();
  user_add
      ->add_option("--role", user_options.role,
                   "admin, site_manager, supervisor, hr, dpo or worker")
      ->required();
  user_add->add_option("--name", user_options.name, "Display name");
  user_add->add_option("--scope", user_options.scope, "Site codes, or * for all");
  user_add->add_flag("--password-stdin", user_options.password_stdin,
                     "Read the password as the first line of stdin (scripts)");
  user_add->callback([&] { status = entrepot::cli::RunUserAdd(user_options); });

  entrepot::cli::DeviceAddOptions device_options;
  CLI::App* device = app.add_subcommand("device", "Manage handheld devices");
  device->require_subcommand(1);
  CLI::App* device_add =
      device->add_subcommand("add", "Register a device and print its token once");
  device_add->add_option("--data", device_options.data_dir, "Data directory")->required();
  AddStoreOptions(device_add, device_options.store, device_options.site);
  device_add->add_option("--name", device_options.name, "Device name, e.g. HH-07")->required();
  device_add->callback([&] { status = entrepot::cli::RunDeviceAdd(device_options); });

  entrepot::cli::PolicyOptions policy_options;
  std::string policy_file, policy_today;
  CLI::App* policy = app.add_subcommand("policy", "Check, explain or register a privacy policy");
  policy->require_subcommand(1);
  auto add_policy_options = [&](CLI::App* command) {
    command->add_option("file", policy_file, "Policy TOML file (default: the built-in policy)");
    command->add_option("--today", policy_today,
                        "Judge governance records as of this date, YYYY-MM-DD (default: today)");
  };
  auto fill_policy_options = [&] {
    if (!policy_file.empty()) {
      policy_options.file = policy_file;
    }
    if (!policy_today.empty()) {
      policy_options.today = policy_today;
    }
  };
  CLI::App* policy_check =
      policy->add_subcommand("check", "Print each rule the policy breaks; exit 1 if unlawful");
  add_policy_options(policy_check);
  policy_check->callback([&] {
    fill_policy_options();
    status = entrepot::cli::RunPolicyCheck(policy_options);
  });
  CLI::App* policy_explain =
      policy->add_subcommand("explain", "Print the notice to workers in plain language");
  add_policy_options(policy_explain);
  policy_explain->add_option("--lang", policy_options.language, "en or fr");
  policy_explain->callback([&] {
    fill_policy_options();
    status = entrepot::cli::RunPolicyExplain(policy_options);
  });
  CLI::App* policy_register = policy->add_subcommand(
      "register", "Print the record of processing activities (GDPR Art. 30)");
  add_policy_options(policy_register);
  policy_register->add_flag("--json", policy_options.json, "Print JSON instead of Markdown");
  policy_register->callback([&] {
    fill_policy_options();
    status = entrepot::cli::RunPolicyRegister(policy_options);
  });

  CLI::App* audit = app.add_subcommand("audit", "Verify or list the audit log (docs/AUDIT.md)");
  audit->require_subcommand(1);
  entrepot::cli::AuditVerifyOptions audit_verify_options;
  std::string checkpoint;
  CLI::App* audit_verify =
      audit->add_subcommand("verify", "Check the hash chain; exit 1 naming the first break");
  audit_verify->add_option("--data", audit_verify_options.data_dir, "Data directory")->required();
  AddStoreOptions(audit_verify, audit_verify_options.store, audit_verify_options.site);
  audit_verify->add_option("--checkpoint", checkpoint,
                           "SEQ:HASH, a head printed by an earlier verify, to check against");
  audit_verify->callback([&] {
    if (!checkpoint.empty()) {
      audit_verify_options.checkpoint = checkpoint;
    }
    status = entrepot::cli::RunAuditVerify(audit_verify_options);
  });
  entrepot::cli::AuditListOptions audit_list_options;
  std::string audit_subject, audit_actor;
  int64_t audit_from_ms = -1, audit_to_ms = -1;
  CLI::App* audit_list = audit->add_subcommand("list", "Print audit records as JSON lines");
  audit_list->add_option("--data", audit_list_options.data_dir, "Data directory")->required();
  AddStoreOptions(audit_list, audit_list_options.store, audit_list_options.site);
  audit_list->add_option("--subject", audit_subject, "Records about this login");
  audit_list->add_option("--actor", audit_actor, "Records by this login or device name");
  audit_list->add_option("--from-ms", audit_from_ms, "Records at or after this Unix time (ms)")
      ->check(CLI::NonNegativeNumber);
  audit_list->add_option("--to-ms", audit_to_ms, "Records before this Unix time (ms)")
      ->check(CLI::NonNegativeNumber);
  audit_list->add_option("--limit", audit_list_options.limit, "Records per page, 1 to 1000");
  audit_list->add_option("--cursor", audit_list_options.cursor,
                         "The next page: the cursor the previous page printed");
  audit_list->add_flag("--newest-first", audit_list_options.newest_first, "Newest records first");
  audit_list->callback([&] {
    if (!audit_subject.empty()) {
      audit_list_options.subject = audit_subject;
    }
    if (!audit_actor.empty()) {
      audit_list_options.actor = audit_actor;
    }
    if (audit_from_ms >= 0) {
      audit_list_options.from_ms = audit_from_ms;
    }
    if (audit_to_ms >= 0) {
      audit_list_options.to_ms = audit_to_ms;
    }
    status = entrepot::cli::RunAuditList(audit_list_options);
  });

  entrepot::cli::ExportEpcisOptions export_options;
  std::string export_from, export_to, export_output, export_gln;
  CLI::App* export_command =
      app.add_subcommand("export", "Export the site's events in a standard format");
  export_command->require_subcommand(1);
  CLI::App* export_epcis = export_command->add_subcommand(
      "epcis", "Write the site's events as one GS1 EPCIS 2.0 document (docs/EPCIS.md)");
  export_epcis->add_option("--data", export_options.data_dir, "Data directory")->required();
  AddStoreOptions(export_epcis, export_options.store, export_options.site);
  export_epcis->add_option("--from", export_from,
                           "Events at or after this time: YYYY-MM-DD (UTC) or EPCIS date-time");
  export_epcis->add_option("--to", export_to, "Events before this time; same forms as --from");
  export_epcis->add_option("--output", export_output, "Write the document here (default: stdout)");
  export_epcis->add_option("--ids", export_options.ids, "Identifier form: urn or digital-link");
  export_epcis->add_option("--gcp-length", export_options.company_prefix_length,
                           "Digits of the GS1 Company Prefix in EPC URNs (6 to 12)");
  export_epcis->add_option("--gln", export_gln,
                           "The site's GLN, for location SGLNs (default: private URNs)");
  export_epcis->add_option("--max-events", export_options.max_events,
                           "Refuse to write more events than this (1 to 50000)");
  export_epcis->callback([&] {
    auto set = [](std::optional<std::string>& field, const std::string& value) {
      if (!value.empty()) {
        field = value;
      }
    };
    set(export_options.from, export_from);
    set(export_options.to, export_to);
    set(export_options.output_file, export_output);
    set(export_options.gln, export_gln);
    status = entrepot::cli::RunExportEpcis(export_options);
  });

  entrepot::cli::SimulateOptions simulate_options;
  std::string scenario_file;
  uint64_t seed = 0;
  CLI::App* simulate = app.add_subcommand(
      "simulate", "Run a simulated shift against a server, or write its scans as NDJSON");
  simulate->add_option("--layout", simulate_options.layout_file, "Layout TOML file of the site")
      ->required()
      ->check(CLI::ExistingFile);
  simulate->add_option("--scenario", scenario_file, "Scenario TOML file (default: the defaults)")
      ->check(CLI::ExistingFile);
  auto* to_server =
      simulate->add_option("--target", simulate_options.target, "Server URL, http://HOST:PORT");
  auto* to_file = simulate->add_option("--output", simulate_options.output_file,
                                       "Write the scan records here as NDJSON (- for stdout)");
  to_server->excludes(to_file);
  simulate->add_flag("--token-stdin", simulate_options.token_stdin,
                     "With --target: read an admin session token as the first line of stdin");
  simulate->add_option("--connections", simulate_options.connections, "Connections (1 to 256)")
      ->check(CLI::Range(1, 256));
  simulate->add_option("--device-prefix", simulate_options.device_prefix,
                       "Server device names: PREFIX-R01, ... (default SIM)");
  auto* seed_option = simulate->add_option("--seed", seed, "Replace the scenario's seed");
  simulate->add_flag("--verify", simulate_options.verify,
                     "With --target: compare the server's stock, orders and cut-offs with the "
                     "simulator's after the run");
  simulate->callback([&] {
    if (!scenario_file.empty()) {
      simulate_options.scenario_file = scenario_file;
    }
    if (seed_option->count() > 0) {
      simulate_options.seed = seed;
    }
    status = entrepot::cli::RunSimulate(simulate_options);
  });

  entrepot::cli::DemoOptions demo_options;
  double demo_speed = 0;
  CLI::App* demo = app.add_subcommand(
      "demo", "The example centre served, with a simulated shift driving it (docs/SIMULATOR.md)");
  demo->add_option("--data", demo_options.data_dir, "Data directory (default demo-data)");
  demo->add_option("--layout", demo_options.layout_file, "Layout TOML of the site to create")
      ->check(CLI::ExistingFile);
  demo->add_option("--scenario", demo_options.scenario_file, "Scenario TOML of the shift")
      ->check(CLI::ExistingFile);
  demo->add_option("--listen", demo_options.listen, "HOST:PORT to listen on (port 0: any)");
  auto* speed_option = demo->add_option("--speed", demo_speed,
                                        "Simulated seconds per real second (0: as fast as can be)")
                           ->check(CLI::Range(0.0, 100000.0));
  demo->add_option("--connections", demo_options.connections, "Connections (1 to 256)")
      ->check(CLI::Range(1, 256));
  demo->add_flag("--fresh", demo_options.fresh, "Delete the demo site first and start over");
  demo->add_flag("--once", demo_options.once, "Stop when the shift is over");
  demo->add_option("--web", demo_options.web_dir,
                   "The built web pages to serve at / (default: web/dist of the source tree)");
  demo->callback([&] {
    if (speed_option->count() > 0) {
      demo_options.speed = demo_speed;
    }
    status = entrepot::cli::RunDemo(demo_options);
  });

  CLI11_PARSE(app, argc, argv);
  return status;
}
