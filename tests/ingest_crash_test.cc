// Crash test: `entrepot ingest` is killed with SIGKILL at random points while it commits
// batches. After every kill, every scan it acknowledged (written to its outcomes file,
// which happens only after the batch commit) must be in the journal exactly once; running
// the same file again must finish the job without applying anything twice, and the final
// state must equal that of an uninterrupted run.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include "entrepot/engine/site_engine.h"
#include "entrepot/store/sqlite_journal.h"
#include "gtest/gtest.h"
#include "test_site.h"

namespace entrepot {
namespace {

using testing::RunEntrepot;
using testing::TempDir;

std::string Join(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) {
    text += line + "\n";
  }
  return text;
}

// Ids listed with a seq in an outcomes file: the acknowledged scans.
std::vector<std::string> AcknowledgedIds(const std::string& outcomes) {
  std::vector<std::string> ids;
  std::istringstream in(outcomes);
  for (std::string line; std::getline(in, line);) {
    size_t id = line.find("\"id\":\"");
    if (id == std::string::npos || line.find("\"seq\":") == std::string::npos) {
      continue;  // A torn last line, or a malformed-record line.
    }
    id += 6;
    ids.push_back(line.substr(id, line.find('"', id) - id));
  }
  return ids;
}

std::string EncodedState(const std::string& data_dir) {
  store::SqliteJournal::Options options;
  options.read_only = true;
  auto journal = store::SqliteJournal::Open(data_dir + "/journal.db", options);
  EXPECT_TRUE(journal.ok());
  auto engine = engine::SiteEngine::Open(*std::move(journal));
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  return engine.ok() ? (*engine)->state().Encode() : "";
}

pid_t StartIngest(const std::string& data, const std::string& scans, const std::string& outcomes) {
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    execl(ENTREPOT_BINARY, ENTREPOT_BINARY, "ingest", "--data", data.c_str(), scans.c_str(),
          "--outcomes", outcomes.c_str(), "--batch", "50", static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

TEST(IngestCrashTest, AcknowledgedScansSurviveSigkillAndResumeAppliesNothingTwice) {
  const uint64_t seed = std::random_device{}();
  std::cout << "seed " << seed << "\n";
  std::mt19937_64 random(seed);
  TempDir dir;
  testing::WriteFile(dir.File("layout.toml"), testing::SmallLayoutToml());
  const std::vector<std::string> stream = testing::ScanStream(30'000, 7);
  testing::WriteFile(dir.File("scans.ndjson"), Join(stream));

  // The reference: one uninterrupted run.
  const std::string reference = dir.File("reference");
  ASSERT_EQ(
      RunEntrepot({"init", "--data", reference, "--layout", dir.File("layout.toml")}).exit_status,
      0);
  testing::CommandResult full =
      RunEntrepot({"ingest", "--data", reference, dir.File("scans.ndjson")});
  ASSERT_EQ(full.exit_status, 0) << full.out;

  const std::string crashed = dir.File("crashed");
  ASSERT_EQ(
      RunEntrepot({"init", "--data", crashed, "--layout", dir.File("layout.toml")}).exit_status, 0);
  size_t interrupted = 0;  // Rounds killed before the run finished on its own.
  for (int round = 0; round < 8; ++round) {
    const std::string outcomes = dir.File("outcomes-" + std::to_string(round) + ".ndjson");
    pid_t pid = StartIngest(crashed, dir.File("scans.ndjson"), outcomes);
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + random() % 300));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    interrupted += WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? 1u : 0u;

    std::map<std::string, int> keys = testing::JournalKeys(crashed);
    for (const std::string& id : AcknowledgedIds(testing::ReadFileText(outcomes))) {
      ASSERT_EQ(keys[id], 1) << "acknowledged scan " << id << " after round " << round << " (seed "
                             << seed << ")";
    }
    for (const auto& [key, count] : keys) {
      ASSERT_EQ(count, 1) << "scan " << key << " journaled twice (seed " << seed << ")";
    }
  }
  EXPECT_GT(interrupted, 0u) << "no run was killed before it finished";

  testing::CommandResult resumed =
      RunEntrepot({"ingest", "--data", crashed, dir.File("scans.ndjson")});
  ASSERT_EQ(resumed.exit_status, 0) << resumed.out;
  std::map<std::string, int> keys = testing::JournalKeys(crashed);
  EXPECT_EQ(keys.size(), stream.size());
  EXPECT_EQ(EncodedState(crashed), EncodedState(reference)) << "seed " << seed;
  testing::CommandResult verify = RunEntrepot({"verify", "--data", crashed});
  EXPECT_EQ(verify.exit_status, 0) << verify.out;
}

}  // namespace
}  // namespace entrepot
