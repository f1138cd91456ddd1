// `entrepot user add` and `entrepot device add`: the first admin and the handhelds, written
// straight into the site's account store (DIR/accounts.db; for a site whose journal is in
// PostgreSQL, the site's account tables there, shared by all its nodes), for when no admin
// can use the API yet. The password is read from stdin (without echo on a terminal); a device
// token is printed once and never stored in clear.
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>

#include "entrepot/auth/account_store.h"
#include "entrepot/auth/postgres_account_store.h"
#include "entrepot/base/status_macros.h"
#include "entrepot/cli/commands.h"
#include "entrepot/cli/site_files.h"

namespace entrepot::cli {
namespace {

// Opens the accounts of an existing site (refuses a directory with no site: a typo would
// otherwise create accounts nobody serves). Without a store, a site is DIR/journal.db or
// DIR/accounts.db, which records its code; with one, the site must be in the database (its
// journal), and its accounts are there too.
StatusOr<std::unique_ptr<auth::AccountStore>> OpenAccounts(const SiteLocation& location) {
  auth::AccountStoreOptions options;
  options.now_ms = SystemNowMs;
  const std::string& data_dir = location.data_dir;
  std::string site;
  std::error_code error;
  if (!location.store.empty()) {
    ENTREPOT_ASSIGN_OR_RETURN(site, ResolveSiteCode(location));
    ENTREPOT_RETURN_IF_ERROR(
        OpenJournal({data_dir, location.store, site}, OpenMode::kReadOnly).status());
  } else if (!std::filesystem::exists(JournalPath(data_dir), error) &&
             !std::filesystem::exists(AccountsPath(data_dir), error)) {
    return Error(StatusCode::kNotFound, "site_not_found",
                 "no site in " + data_dir +
                     " (create one with `entrepot init`; for a site in PostgreSQL, add --store)");
  }
  return auth::OpenSiteAccountStore(data_dir, location.store, site, options);
}

std::string ReadLine(std::istream& in) {
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return line;
}

// Prompts on stderr and reads a line from the terminal without echo.
std::string ReadHidden(const char* prompt) {
  std::cerr << prompt << std::flush;
  termios saved{};
  bool terminal = tcgetattr(STDIN_FILENO, &saved) == 0;
  if (terminal) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line = ReadLine(std::cin);
  if (terminal) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  }
  std::cerr << "\n";
  return line;
}

StatusOr<std::string> ReadPassword(bool from_stdin) {
  if (from_stdin || isatty(STDIN_FILENO) == 0) {
    return ReadLine(std::cin);
  }
  std::string password = ReadHidden("password: ");
  if (ReadHidden("repeat password: ") != password) {
    return Error(StatusCode::kInvalidArgument, "password_mismatch",
                 "the two passwords differ; try again");
  }
  return password;
}

int ExitFor(const Status& status) {
  bool refused =
      status.code() == StatusCode::kInvalidArgument || status.code() == StatusCode::kAlreadyExists;
  return ReportError(status, refused ? 1 : 2);
}

}  // namespace

std::string AccountsPath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / auth::kAccountsFileName).string();
}

int RunUserAdd(const UserAddOptions& options) {
  StatusOr<auth::Role> role = auth::ParseRole(options.role);
  if (!role.ok()) {
    return ExitFor(role.status());
  }
  StatusOr<std::unique_ptr<auth::AccountStore>> accounts =
      OpenAccounts({options.data_dir, options.store, options.site});
  if (!accounts.ok()) {
    return ExitFor(accounts.status());
  }
  StatusOr<std::string> password = ReadPassword(options.password_stdin);
  if (!password.ok()) {
    return ExitFor(password.status());
  }
  auth::NewUser user{options.login, options.name, *role, options.scope, *password, ""};
  StatusOr<auth::UserRecord> added = (*accounts)->AddUser(user);
  if (!added.ok()) {
    return ExitFor(added.status());
  }
  std::cout << "added user " << added->login << " (" << auth::RoleName(added->role) << ")\n";
  return 0;
}

int RunDeviceAdd(const DeviceAddOptions& options) {
  StatusOr<std::unique_ptr<auth::AccountStore>> accounts =
      OpenAccounts({options.data_dir, options.store, options.site});
  if (!accounts.ok()) {
    return ExitFor(accounts.status());
  }
  StatusOr<auth::NewDevice> device = (*accounts)->AddDevice(options.name, 0);
  if (!device.ok()) {
    return ExitFor(device.status());
  }
  std::cerr << "device " << device->name << " registered as id " << device->id
            << "; its token (shown once) follows\n";
  std::cout << device->token << "\n";
  return 0;
}

}  // namespace entrepot::cli
