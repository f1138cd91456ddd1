#include "test_site.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <sstream>

#include "entrepot/domain/labels.h"
#include "entrepot/store/sqlite_journal.h"
#include "gtest/gtest.h"

namespace entrepot::testing {
namespace {

const char* const kProducts[] = {"09506000134352", "09506000134369", "09506000134376",
                                 "09506000134383"};

char Mod10(const std::string& digits) {
  int sum = 0;
  for (size_t i = 0; i < digits.size(); ++i) {
    int digit = digits[digits.size() - 1 - i] - '0';
    sum += digit * (i % 2 == 0 ? 3 : 1);
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::string Location(const std::string& code) {
  return domain::FormatLabel(domain::LabelKind::kLocation, code);
}
std::string Tote(int number) {
  char code[16];
  std::snprintf(code, sizeof(code), "T%04d", number);
  return domain::FormatLabel(domain::LabelKind::kContainer, code);
}
std::string Bin(int device, int slot) {
  char code[32];
  std::snprintf(code, sizeof(code), "A-%02d-%03d-1-1", device + 1, slot + 1);
  return code;
}
std::string Sscc(int serial) {
  char body[18];
  std::snprintf(body, sizeof(body), "09506000%09d", serial);
  std::string digits = body;
  return "(00)" + digits + Mod10(digits);
}

// One device's workflow, as a queue of (mode, code) scans it will make.
class Worker {
 public:
  Worker(int device, std::mt19937_64& random) : device_(device), random_(random) {}

  std::pair<std::string, std::string> NextScan() {
    if (queue_.empty()) {
      PlanCycle();
    }
    auto scan = queue_.front();
    queue_.erase(queue_.begin());
    return scan;
  }

 private:
  void Add(const std::string& mode, const std::string& code) { queue_.emplace_back(mode, code); }

  // Receive five units into the device's inbound tote, stow them, pick two back into its
  // outbound tote, pack them into a new parcel and ship it; with occasional mistakes.
  void PlanCycle() {
    int inbound = device_ * 2 + 1;
    int outbound = device_ * 2 + 2;
    std::vector<std::string> items;
    Add("receive", Location("DOCK-01"));
    Add("receive", Tote(inbound));
    for (int i = 0; i < 5; ++i) {
      items.push_back("(01)" + std::string(kProducts[random_() % 4]));
      Add("receive", items.back());
    }
    Add("stow", Tote(inbound));
    std::vector<std::pair<std::string, std::string>> stowed;
    for (const std::string& item : items) {
      std::string bin = Bin(device_, static_cast<int>(random_() % 10));
      Add("stow", item);
      if (random_() % 20 == 0) {
        Add("stow", Location("A-99-999-9-9"));  // A label that is not in the layout.
      }
      Add("stow", Location(bin));
      stowed.emplace_back(bin, item);
    }
    Add("pick", Tote(outbound));
    for (int i = 0; i < 2; ++i) {
      Add("pick", Location(stowed[static_cast<size_t>(i)].first));
      Add("pick", stowed[static_cast<size_t>(i)].second);
    }
    Add("pack", Tote(outbound));
    Add("pack", stowed[0].second);
    Add("pack", stowed[1].second);
    if (random_() % 20 == 0) {
      Add("pack", "(01)09506000134353");  // Bad check digit.
    }
    int parcel = ++parcels_ + device_ * 1'000'000;
    Add("pack", Sscc(parcel));
    Add("ship", Location("DOOR-01"));
    Add("ship", Sscc(parcel));
  }

  int device_;
  std::mt19937_64& random_;
  int parcels_ = 0;
  std::vector<std::pair<std::string, std::string>> queue_;
};

std::string JsonEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

}  // namespace

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "entrepot-test-XXXXXX").string();
  char* made = mkdtemp(pattern.data());
  path_ = made == nullptr ? "" : made;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string SmallLayoutToml() {
  std::ostringstream out;
  out << "[site]\ncode = \"FR-TST1\"\nname = \"Test site\"\n\n"
      << "[[zones]]\ncode = \"INB\"\nname = \"Inbound\"\n"
      << "[[zones]]\ncode = \"A\"\nname = \"Stow A\"\n"
      << "[[zones]]\ncode = \"OUT\"\nname = \"Outbound\"\n\n"
      << "[[locations]]\ncode = \"DOCK-01\"\nzone = \"INB\"\ntype = \"dock\"\n\n"
      << "[[locations]]\ncode = \"DOOR-01\"\nzone = \"OUT\"\ntype = \"outbound_door\"\n\n"
      << "[[location_ranges]]\nzone = \"A\"\ntype = \"stow_bin\"\naisles = [1, 4]\n"
      << "bays = [1, 10]\nlevels = [1, 1]\ncapacity = 0\n\n";
  for (const char* gtin : kProducts) {
    out << "[[products]]\ngtin = \"" << gtin << "\"\ndescription = \"Product " << gtin
        << "\"\nhome_zone = \"A\"\n\n";
  }
  out << "[[container_ranges]]\ntype = \"tote\"\nprefix = \"T\"\nfrom = 1\nto = 20\n"
      << "digits = 4\n";
  return out.str();
}

std::vector<std::string> ScanStream(int scans, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::vector<Worker> workers;
  for (int device = 0; device < 3; ++device) {
    workers.emplace_back(device, random);
  }
  std::vector<std::string> lines;
  int64_t at_ms = 1'795'000'000'000;
  for (int n = 0; n < scans; ++n) {
    int device = static_cast<int>(random() % workers.size());
    auto [mode, code] = workers[static_cast<size_t>(device)].NextScan();
    at_ms += 400 + static_cast<int64_t>(random() % 2000);
    lines.push_back("{\"id\":\"s-" + std::to_string(n) + "\",\"device\":\"HH-" +
                    std::to_string(device) + "\",\"mode\":\"" + mode + "\",\"code\":\"" +
                    JsonEscape(code) + "\",\"at\":" + std::to_string(at_ms) + "}");
  }
  return lines;
}

std::map<std::string, int> JournalKeys(const std::string& data_dir) {
  store::SqliteJournal::Options options;
  options.read_only = true;
  auto journal = store::SqliteJournal::Open(data_dir + "/journal.db", options);
  EXPECT_TRUE(journal.ok()) << journal.status().ToString();
  return journal.ok() ? JournalKeys(**journal) : std::map<std::string, int>();
}

std::map<std::string, int> JournalKeys(const store::Journal& journal) {
  std::map<std::string, int> keys;
  Status scanned = journal.Scan(0, [&](const store::JournalRecord& record) {
    if (!record.idempotency_key.empty()) {
      ++keys[record.idempotency_key];
    }
    return OkStatus();
  });
  EXPECT_TRUE(scanned.ok()) << scanned.ToString();
  return keys;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

std::string ReadFileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

CommandResult RunEntrepot(const std::vector<std::string>& args, bool with_stderr) {
  std::string command = ENTREPOT_BINARY;
  for (const std::string& arg : args) {
    command += " '" + arg + "'";
  }
  command += with_stderr ? " 2>&1" : " 2>/dev/null";
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return result;
  }
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof(buffer), pipe)) > 0;) {
    result.out.append(buffer, n);
  }
  int status = pclose(pipe);
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace entrepot::testing
