// The fault shim (shim/fault_shim.c, docs/fault-shim.md) preloaded into two testees: naive_reader,
// whose careless reads each schedule must expose, and this build's regiontool, which must come
// through every I/O schedule with the very same dump and fail cleanly when memory runs out.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

extern char** environ;

namespace {

namespace fs = std::filesystem;

constexpr const char* k_shim = CF_FAULTSHIM;
constexpr const char* k_reader = CF_NAIVE_READER;
constexpr const char* k_regiontool = CF_REGIONTOOL;
constexpr bool k_regiontool_sanitized = CF_REGIONTOOL_SANITIZED != 0;
// One small real file of corpus/real/MANIFEST.tsv (4304 bytes, 0 deps).
const std::string k_real_file =
    std::string(CF_SOURCE_DIR) + "/corpus/real/batmeezy918__chronofold/.lake__build__lib__lean__Cf__Basic.olean";

struct Outcome {
  int exit_code = -1;  ///< -1 when it died of a signal
  int signal = 0;
  pid_t pid = 0;
  std::string out, err;
};

struct RunOptions {
  std::map<std::string, std::string> env;  ///< added to a copy of ours without CF_FAULTS* and LD_PRELOAD
  bool preload = true;
  std::string input;       ///< its stdin, through a pipe ...
  std::string input_file;  ///< ... or this file, opened by the test
  std::string cwd;
};

// Runs argv with the shim preloaded, its stdin fed from a pipe; kills it after 60 s.
Outcome run(const std::vector<std::string>& argv, const RunOptions& o = {}) {
  std::vector<std::string> env_text;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string kv = *e;
    if (kv.rfind("CF_FAULTS", 0) == 0 || kv.rfind("LD_PRELOAD=", 0) == 0) continue;
    env_text.push_back(kv);
  }
  if (o.preload) env_text.push_back(std::string("LD_PRELOAD=") + k_shim);
  for (const auto& [k, v] : o.env) env_text.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_text) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);

  int in[2], out[2], err[2];
  if (pipe(in) != 0 || pipe(out) != 0 || pipe(err) != 0) ADD_FAILURE() << "pipe: " << std::strerror(errno);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    if (!o.input_file.empty()) {
      const int fd = open(o.input_file.c_str(), O_RDONLY);
      if (fd < 0 || dup2(fd, 0) != 0) _exit(125);
    }
    dup2(out[1], 1);
    dup2(err[1], 2);
    for (int fd = 3; fd < 1024; ++fd) close(fd);  // what ctest left open too: FILE gets fd 3
    if (!o.cwd.empty() && chdir(o.cwd.c_str()) != 0) _exit(126);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  signal(SIGPIPE, SIG_IGN);
  if (!o.input.empty() && write(in[1], o.input.data(), o.input.size()) != static_cast<ssize_t>(o.input.size()))
    ADD_FAILURE() << "could not feed stdin";
  close(in[1]);

  Outcome r;
  r.pid = pid;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_count = 2;
  while (open_count > 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      ADD_FAILURE() << "timed out: " << argv[0];
      break;
    }
    if (poll(fds, 2, 1000) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[65536];
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// What naive_reader prints for these bytes.
std::string summary(const std::string& bytes) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char text[64];
  std::snprintf(text, sizeof text, "bytes=%zu fnv1a=%016llx\n", bytes.size(), static_cast<unsigned long long>(h));
  return text;
}

class FaultShim : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cf_faultshim_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    // 10,000 bytes: two full 4096-byte reads and a short last one.
    for (int i = 0; i < 10000; ++i) bytes_.push_back(static_cast<char>((i * 131 + i / 7) & 0xff));
    file_ = dir_ + "/data.bin";
    std::ofstream(file_, std::ios::binary) << bytes_;
    log_ = dir_ + "/faults.log";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // naive_reader with `args`, then FILE, under CF_FAULTS=schedule (none when empty), the log
  // on, and CF_FAULTS_PATHS=the test's folder unless `env` says otherwise.
  Outcome reader(const std::string& schedule, std::vector<std::string> args = {},
                 std::map<std::string, std::string> env = {}) {
    RunOptions o;
    o.env = {{"CF_FAULTS_LOG", log_}, {"CF_FAULTS_PATHS", dir_}};
    if (!schedule.empty()) o.env["CF_FAULTS"] = schedule;
    for (auto& [k, v] : env) o.env[k] = v;
    for (auto it = o.env.begin(); it != o.env.end();) it = it->second == "<unset>" ? o.env.erase(it) : ++it;
    std::vector<std::string> argv{k_reader};
    argv.insert(argv.end(), args.begin(), args.end());
    if (argv.back() != "-") argv.push_back(file_);
    fs::remove(log_);  // each run's own faults only
    return run(argv, o);
  }

  std::vector<std::string> log_lines() { return lines_of(slurp(log_)); }

  std::string dir_, bytes_, file_, log_;
};

TEST_F(FaultShim, NoScheduleReadsEveryByte) {
  const Outcome r = reader("");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, summary(bytes_));
  EXPECT_EQ(r.err, "");
  EXPECT_FALSE(fs::exists(log_));
}

TEST_F(FaultShim, EintrOnTheFirstReadStopsTheNaiveReader) {
  const Outcome naive = reader("eintr:read@1");
  EXPECT_EQ(naive.exit_code, 3);
  EXPECT_EQ(naive.err, "error: read: Interrupted system call\n");
  EXPECT_EQ(naive.out, "");

  const Outcome careful = reader("eintr:read@1", {"--retry"});
  EXPECT_EQ(careful.exit_code, 0) << careful.err;
  EXPECT_EQ(careful.out, summary(bytes_));
}

TEST_F(FaultShim, ShortReadsAreTakenForTheEndByTheNaiveReader) {
  const Outcome naive = reader("short:read@all");
  EXPECT_EQ(naive.exit_code, 0) << naive.err;
  EXPECT_EQ(naive.out, summary(bytes_.substr(0, 1)));  // CF_FAULTS_SHORT's default: 1 byte

  const Outcome hundred = reader("short:read@all", {}, {{"CF_FAULTS_SHORT", "100"}});
  EXPECT_EQ(hundred.out, summary(bytes_.substr(0, 100)));

  // A read no longer than CF_FAULTS_SHORT cannot be shortened, so it is not counted.
  const Outcome whole = reader("short:read@1", {}, {{"CF_FAULTS_SHORT", "4096"}});
  EXPECT_EQ(whole.out, summary(bytes_));
  EXPECT_FALSE(fs::exists(log_));

  const Outcome careful = reader("short:read@all", {"--loop"});
  EXPECT_EQ(careful.exit_code, 0) << careful.err;
  EXPECT_EQ(careful.out, summary(bytes_));  // the shortened reads really read their bytes
}

TEST_F(FaultShim, PreadIsAFamilyOfItsOwn) {
  const Outcome eintr = reader("eintr:pread@1", {"--pread"});
  EXPECT_EQ(eintr.exit_code, 3);
  EXPECT_EQ(eintr.err, "error: read: Interrupted system call\n");

  const Outcome other_family = reader("eintr:read@1", {"--pread"});
  EXPECT_EQ(other_family.exit_code, 0) << other_family.err;
  EXPECT_EQ(other_family.out, summary(bytes_));

  EXPECT_EQ(reader("short:pread@all", {"--pread"}).out, summary(bytes_.substr(0, 1)));
  EXPECT_EQ(reader("short:read+pread@all", {"--pread", "--loop"}).out, summary(bytes_));
}

TEST_F(FaultShim, WhenPicksTheCallsOfEachRule) {
  // N-: the first read whole (4096), the second shortened to 1 byte, which the naive reader
  // takes for the end.
  EXPECT_EQ(reader("short:read@2-").out, summary(bytes_.substr(0, 4097)));

  // %2 with retries: reads 1, 3, 5 return 4096, 4096, 1808 and 7 returns 0; 2, 4, 6 fail.
  const Outcome every = reader("eintr:read@%2", {"--retry", "--loop"});
  EXPECT_EQ(every.out, summary(bytes_));
  const std::string pid = std::to_string(every.pid);
  EXPECT_EQ(log_lines(), (std::vector<std::string>{"eintr read fd=3 call=2 pid=" + pid,
                                                   "eintr read fd=3 call=4 pid=" + pid,
                                                   "eintr read fd=3 call=6 pid=" + pid}));
  fs::remove(log_);

  const Outcome third = reader("eintr:read@3", {"--retry", "--loop"});
  EXPECT_EQ(third.out, summary(bytes_));
  EXPECT_EQ(log_lines(), std::vector<std::string>{"eintr read fd=3 call=3 pid=" + std::to_string(third.pid)});
}

TEST_F(FaultShim, EveryRuleCountsForItself) {
  // Both rules count every read; the first whose WHEN holds acts.
  const Outcome r = reader("eintr:read@2,short:read@2-", {"--retry", "--loop"});
  EXPECT_EQ(r.out, summary(bytes_));
  const std::vector<std::string> lines = log_lines();
  ASSERT_GE(lines.size(), 3u);
  const std::string pid = std::to_string(r.pid);
  EXPECT_EQ(lines[0], "eintr read fd=3 call=2 pid=" + pid);
  EXPECT_EQ(lines[1], "short read fd=3 call=3 pid=" + pid);  // the short rule counted read 2 too
}

TEST_F(FaultShim, EnomemFailsLargeAllocationsOnly) {
  const std::map<std::string, std::string> min{{"CF_FAULTS_MIN_SIZE", "1024"}};
  const Outcome big = reader("enomem:malloc@1", {"--malloc", "4096"}, min);
  EXPECT_EQ(big.exit_code, 4);
  EXPECT_EQ(big.err, "malloc failed\n");
  EXPECT_EQ(log_lines(), std::vector<std::string>{"enomem malloc size=4096 call=1 pid=" + std::to_string(big.pid)});

  const Outcome small = reader("enomem:malloc@1", {"--malloc", "100"}, min);
  EXPECT_EQ(small.exit_code, 0) << small.err;
  EXPECT_EQ(small.out, summary(bytes_));

  // The default threshold is 65536 bytes.
  EXPECT_EQ(reader("enomem:malloc@1", {"--malloc", "4096"}).exit_code, 0);
  EXPECT_EQ(reader("enomem:malloc@1", {"--malloc", "100000"}).exit_code, 4);
  // enomem's default WHEN is 1: only the first eligible allocation fails.
  EXPECT_EQ(reader("enomem:malloc@2", {"--malloc", "100000"}).exit_code, 0);
}

TEST_F(FaultShim, MmapOfATrackedFileFails) {
  const Outcome mapped = reader("enomem:mmap", {"--mmap"});
  EXPECT_EQ(mapped.exit_code, 3);
  EXPECT_EQ(mapped.err, "error: mmap: Cannot allocate memory\n");
  EXPECT_EQ(reader("enomem:malloc@1-", {"--mmap"}).out, summary(bytes_));
  EXPECT_EQ(reader("enomem:mmap", {"--mmap"}, {{"CF_FAULTS_PATHS", dir_ + "/elsewhere"}}).out, summary(bytes_));
}

TEST_F(FaultShim, StdinPipeIsNeverFaulted) {
  RunOptions o;
  o.env = {{"CF_FAULTS", "eintr:read@all,short:read@all"}, {"CF_FAULTS_LOG", log_}};
  o.input = bytes_;
  const Outcome r = run({k_reader, "--loop", "-"}, o);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, summary(bytes_));
  EXPECT_FALSE(fs::exists(log_));
}

TEST_F(FaultShim, EintrOnOpen) {
  const Outcome naive = reader("eintr:open@1");
  EXPECT_EQ(naive.exit_code, 3);
  EXPECT_EQ(naive.err, "error: open: Interrupted system call\n");
  EXPECT_EQ(log_lines(), std::vector<std::string>{"eintr open path=" + file_ + " call=1 pid=" + std::to_string(naive.pid)});

  const Outcome careful = reader("eintr:open@1", {"--retry"});
  EXPECT_EQ(careful.exit_code, 0) << careful.err;
  EXPECT_EQ(careful.out, summary(bytes_));

  // Only regular files that exist: a directory opens (and then fails to read).
  RunOptions o;
  o.env = {{"CF_FAULTS", "eintr:open@all"}, {"CF_FAULTS_PATHS", dir_}};
  EXPECT_EQ(run({k_reader, dir_}, o).err, "error: read: Is a directory\n");
}

TEST_F(FaultShim, TheLogHasOneLinePerFault) {
  const Outcome r = reader("eintr:open@1,eintr:read@1,short:read@2", {"--retry", "--loop"});
  EXPECT_EQ(r.out, summary(bytes_));
  const std::string pid = std::to_string(r.pid);
  EXPECT_EQ(log_lines(), (std::vector<std::string>{"eintr open path=" + file_ + " call=1 pid=" + pid,
                                                   "eintr read fd=3 call=1 pid=" + pid,
                                                   "short read fd=3 call=2 pid=" + pid}));
}

struct BadSchedule {
  std::string name;  ///< of the ctest case
  std::string schedule;
  std::map<std::string, std::string> env;
  std::string message;
};

void PrintTo(const BadSchedule& bad, std::ostream* os) { *os << "CF_FAULTS=" << bad.schedule; }

class FaultShimBadSchedule : public FaultShim, public ::testing::WithParamInterface<BadSchedule> {};

TEST_P(FaultShimBadSchedule, SaysWhyAndInjectsNothing) {
  const BadSchedule& bad = GetParam();
  const Outcome r = reader(bad.schedule, {}, bad.env);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, summary(bytes_));
  EXPECT_EQ(r.err, bad.message + "\n");
  EXPECT_FALSE(fs::exists(log_));
}

INSTANTIATE_TEST_SUITE_P(
    Rules, FaultShimBadSchedule,
    ::testing::Values(
        BadSchedule{"unknown_kind", "eintr:read@1,bogus", {}, "cf_faultshim: bad CF_FAULTS rule 'bogus': unknown kind (eintr, short or enomem)"},
        BadSchedule{"eintr_mmap", "eintr:read@1,eintr:mmap", {}, "cf_faultshim: bad CF_FAULTS rule 'eintr:mmap': eintr applies to open, read and pread only"},
        BadSchedule{"short_open", "short:open", {}, "cf_faultshim: bad CF_FAULTS rule 'short:open': short applies to read and pread only"},
        BadSchedule{"enomem_read", "enomem:read", {}, "cf_faultshim: bad CF_FAULTS rule 'enomem:read': enomem applies to malloc and mmap only"},
        BadSchedule{"empty_family", "eintr:read+", {}, "cf_faultshim: bad CF_FAULTS rule 'eintr:read+': unknown call family (open, read, pread, mmap or malloc)"},
        BadSchedule{"empty_call_list", "eintr:@1", {}, "cf_faultshim: bad CF_FAULTS rule 'eintr:@1': empty call list"},
        BadSchedule{"when_zero", "eintr:read@0", {}, "cf_faultshim: bad CF_FAULTS rule 'eintr:read@0': bad WHEN (N, N-, %N or all; N >= 1)"},
        BadSchedule{"when_word", "eintr:read@x", {}, "cf_faultshim: bad CF_FAULTS rule 'eintr:read@x': bad WHEN (N, N-, %N or all; N >= 1)"},
        BadSchedule{"every_zero", "eintr:read@%0", {}, "cf_faultshim: bad CF_FAULTS rule 'eintr:read@%0': bad WHEN after '%' (a number >= 1)"},
        BadSchedule{"empty_rule", "eintr:read@1,", {}, "cf_faultshim: bad CF_FAULTS rule '': empty rule"},
        BadSchedule{"bad_short_len", "eintr:read@1", {{"CF_FAULTS_SHORT", "abc"}}, "cf_faultshim: bad CF_FAULTS_SHORT 'abc': not a decimal number >= 1"},
        BadSchedule{"relative_path", "eintr:read@1", {{"CF_FAULTS_PATHS", "relative/dir"}},
                    "cf_faultshim: bad CF_FAULTS_PATHS entry 'relative/dir': not an absolute path"}),
    [](const ::testing::TestParamInfo<BadSchedule>& info) { return info.param.name; });

TEST_F(FaultShim, FilesOutsideThePathsAreNotFaulted) {
  EXPECT_EQ(reader("eintr:read@1", {}, {{"CF_FAULTS_PATHS", dir_ + "/elsewhere:/nowhere"}}).exit_code, 0);
  EXPECT_EQ(reader("eintr:read@1", {}, {{"CF_FAULTS_PATHS", dir_.substr(0, dir_.size() - 1)}}).exit_code, 0)
      << "a prefix matches whole path components only";
  EXPECT_EQ(reader("eintr:read@1", {}, {{"CF_FAULTS_PATHS", "/nowhere:" + dir_ + "/"}}).exit_code, 3);

  // A relative path is made absolute from the working directory.
  RunOptions o;
  o.env = {{"CF_FAULTS", "eintr:read@1"}, {"CF_FAULTS_PATHS", dir_}};
  o.cwd = dir_;
  EXPECT_EQ(run({k_reader, "data.bin"}, o).exit_code, 3);
  o.env["CF_FAULTS_PATHS"] = dir_ + "/sub";
  fs::create_directory(dir_ + "/sub");
  EXPECT_EQ(run({k_reader, "sub/../data.bin"}, o).exit_code, 0);
}

TEST_F(FaultShim, DefaultPathsSkipSystemFiles) {
  EXPECT_EQ(reader("eintr:read@1", {}, {{"CF_FAULTS_PATHS", "<unset>"}}).exit_code, 3);  // under /tmp
  RunOptions o;
  o.env = {{"CF_FAULTS", "eintr:read@all"}, {"CF_FAULTS_LOG", log_}};
  fs::remove(log_);
  const Outcome etc = run({k_reader, "--loop", "/etc/passwd"}, o);
  EXPECT_EQ(etc.exit_code, 0) << etc.err;
  EXPECT_FALSE(fs::exists(log_));
}

TEST_F(FaultShim, FopenDescriptorsAreTrackedButFreadIsNotInterposable) {
  // fopen's descriptor is tracked, so read() on it is faulted (what C++ streams do) ...
  EXPECT_EQ(reader("eintr:read@1", {"--fopen"}).exit_code, 3);
  // ... but fread calls glibc's internal read, which no preloaded library can reach.
  const Outcome stdio = reader("eintr:read@all", {"--stdio", "--loop"});
  EXPECT_EQ(stdio.exit_code, 0) << stdio.err;
  EXPECT_EQ(stdio.out, summary(bytes_));
  EXPECT_FALSE(fs::exists(log_));
}

TEST_F(FaultShim, ADescriptorClosedBehindTheShimsBackIsForgotten) {
  // fclose's close is glibc-internal; whatever dup(0) then puts on the same number (a pipe, or
  // another regular file, even one under the paths) must not inherit the file's faults.
  const std::string other = dir_ + "/other.bin";
  std::ofstream(other, std::ios::binary) << bytes_.substr(0, 5000);
  for (const bool regular_stdin : {false, true}) {
    RunOptions o;
    o.env = {{"CF_FAULTS", "eintr:read@all"}, {"CF_FAULTS_PATHS", dir_}, {"CF_FAULTS_LOG", log_}};
    if (regular_stdin) o.input_file = other;
    else o.input = bytes_;
    fs::remove(log_);
    const Outcome r = run({k_reader, "--reuse", "--loop", file_}, o);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, summary(regular_stdin ? bytes_.substr(0, 5000) : bytes_));
    EXPECT_FALSE(fs::exists(log_)) << (regular_stdin ? "regular file" : "pipe");
  }
}

// ---------------------------------------------------------------------------------------------
// regiontool: the reference retries EINTR, reads on after short reads and falls back from
// mmap to a read; allocation failures must end in a typed error, never a signal.

class FaultShimRegiontool : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cf_faultshim_rt_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    log_ = dir_ + "/faults.log";
    RunOptions plain;
    plain.preload = false;
    reference_ = run({k_regiontool, "dump", k_real_file, "-o", "-"}, plain);
    ASSERT_EQ(reference_.exit_code, 0) << reference_.err;
    ASSERT_FALSE(reference_.out.empty());
  }
  void TearDown() override { fs::remove_all(dir_); }

  Outcome dump(const std::string& schedule, const std::string& min_size = "") {
    fs::remove(log_);
    RunOptions o;
    o.env = {{"CF_FAULTS_LOG", log_}, {"CF_FAULTS_PATHS", std::string(CF_SOURCE_DIR) + "/corpus"}};
    if (!schedule.empty()) o.env["CF_FAULTS"] = schedule;
    if (!min_size.empty()) o.env["CF_FAULTS_MIN_SIZE"] = min_size;
    return run({k_regiontool, "dump", k_real_file, "-o", "-"}, o);
  }

  size_t faults() { return lines_of(slurp(log_)).size(); }

  // The contract under allocation failure: the same dump, or exit 1 or 2 with a typed error.
  void expect_clean(const Outcome& r, const std::string& schedule) {
    EXPECT_EQ(r.signal, 0) << schedule << ": died of signal " << r.signal << "\n" << r.err;
    if (r.exit_code == 0) {
      EXPECT_EQ(r.out, reference_.out) << schedule;
    } else {
      EXPECT_TRUE(r.exit_code == 1 || r.exit_code == 2) << schedule << ": exit " << r.exit_code << "\n" << r.err;
      EXPECT_NE(r.err.find("out_of_memory"), std::string::npos) << schedule << ": untyped error\n" << r.err;
    }
  }

  std::string dir_, log_;
  Outcome reference_;
};

TEST_F(FaultShimRegiontool, DumpIsIdenticalUnderIoFaults) {
  const Outcome quiet = dump("");
  EXPECT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.out, reference_.out) << "the shim alone changed the dump";

  struct Case {
    std::string schedule;
    bool fires;  ///< the log must show a fault (a mapped load reads the file once: %2 finds none)
  };
  // TSan's mmap interceptor never reaches the shim, so there mmap faults are not required.
  const bool mmap_reaches = !k_regiontool_sanitized;
  for (const Case& c : {Case{"eintr:read@1", true}, Case{"eintr:read@%2", false},
                        Case{"enomem:mmap@1,eintr:read@%2", mmap_reaches}, Case{"short:read+pread@all", true},
                        Case{"eintr:open@1", true}, Case{"enomem:mmap@1", mmap_reaches},
                        Case{"eintr:open@1,eintr:read@%2,short:read+pread@all,enomem:mmap@1", true}}) {
    const Outcome r = dump(c.schedule);
    EXPECT_EQ(r.exit_code, 0) << c.schedule << "\n" << r.err;
    EXPECT_EQ(r.out, reference_.out) << c.schedule;
    if (c.fires) {
      EXPECT_GT(faults(), 0u) << c.schedule << ": no fault was injected";
    }
  }
}

TEST_F(FaultShimRegiontool, LoaderAllocationFailureIsTyped) {
  // The mapping fails, so the loader allocates a buffer of the file's size: the first
  // allocation that large, which fails too.
  const std::string schedule = "enomem:mmap@1,enomem:malloc@1";
  const Outcome r = dump(schedule, std::to_string(fs::file_size(k_real_file)));
  expect_clean(r, schedule);
  if (k_regiontool_sanitized) return;  // the sanitizer's own malloc never reaches the shim
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(faults(), 2u);
}

// Every allocation of a dump failed in turn (each schedule fails the Nth large one): regiontool
// answers with the dump or a typed error, never a signal. It once caught std::bad_alloc only
// inside the loader, so a failure in CLI11's set-up or the dump's JSON text was a SIGABRT
// (docs/fault-shim.md "Findings").
TEST_F(FaultShimRegiontool, NeverDiesOfAnAllocationFailure) {
  if (k_regiontool_sanitized) GTEST_SKIP() << "a sanitizer's malloc never reaches the shim";
  std::vector<std::string> deaths;
  int n = 1;
  for (; n <= 400; ++n) {
    const std::string schedule = "enomem:malloc+mmap@" + std::to_string(n);
    const Outcome r = dump(schedule, "256");
    if (r.signal != 0) deaths.push_back(schedule + ": signal " + std::to_string(r.signal) + ": " + lines_of(r.err + "\n")[0]);
    else expect_clean(r, schedule);
    if (faults() == 0) break;  // past the last eligible allocation
  }
  EXPECT_GT(n, 10) << "fewer allocations than expected were faulted";
  EXPECT_TRUE(deaths.empty()) << deaths.size() << " of " << n - 1 << " faulting schedules killed regiontool, the first: "
                              << (deaths.empty() ? std::string() : deaths[0]);
}

}  // namespace
