// The testee protocol's cost (docs/testee-protocol.md, docs/conform.md "Speed"): one request
// and its answer through `regiontool serve` over a pipe, against the same bytes echoed back by
// `cat` in the same run (the pipe's own cost). An empty load is pure protocol: framing, JSON
// both ways, one read() and write() each side; a 1 KB real file adds the load and its dump.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "testsupport/bench_main.h"

namespace {

// A child process with a pipe each way.
class Child {
 public:
  explicit Child(std::vector<std::string> argv) {
    int to[2], from[2];
    if (::pipe(to) != 0 || ::pipe(from) != 0) std::abort();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(to[0], 0);
      ::dup2(from[1], 1);
      ::close(to[1]);
      ::close(from[0]);
      std::vector<char*> args;
      for (std::string& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(to[0]);
    ::close(from[1]);
    in_ = to[1];
    out_ = from[0];
  }
  ~Child() {
    ::close(in_);
    ::close(out_);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  void send(const std::string& bytes) {
    for (size_t done = 0; done < bytes.size();) {
      const ssize_t w = ::write(in_, bytes.data() + done, bytes.size() - done);
      if (w <= 0) std::abort();
      done += static_cast<size_t>(w);
    }
  }
  void receive(size_t n, std::string* into) {
    into->resize(n);
    for (size_t got = 0; got < n;) {
      const ssize_t r = ::read(out_, into->data() + got, n - got);
      if (r <= 0) std::abort();
      got += static_cast<size_t>(r);
    }
  }
  // One framed answer.
  size_t answer(std::string* body) {
    std::string header;
    receive(4, &header);
    const auto* h = reinterpret_cast<const uint8_t*>(header.data());
    const size_t n = h[0] | h[1] << 8 | h[2] << 16 | static_cast<size_t>(h[3]) << 24;
    receive(n, body);
    return n;
  }

 private:
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1;
};

std::string frame(const std::string& body) {
  std::string f(4, '\0');
  for (int i = 0; i < 4; ++i) f[i] = static_cast<char>(body.size() >> (8 * i) & 0xff);
  return f + body;
}

std::string request(const std::string& files) {
  return frame(R"({"op":"load","id":"bench","files":[)" + files + R"(],"deps":[],"path":"slow"})");
}

const std::string k_small_file = std::string(CF_SOURCE_DIR) +
                                 "/corpus/real/cicixgliamici__a-weak-Silly-substitution-Calculus/"
                                 ".lake__build__lib__lean__SSC__NormalForms.olean";

void round_trips(benchmark::State& state, const std::string& req) {
  Child serve({CF_REGIONTOOL, "serve"});
  std::string body;
  serve.send(frame(R"({"op":"hello","protocol":1})"));
  serve.answer(&body);
  size_t bytes = 0;
  for (auto _ : state) {
    serve.send(req);
    bytes += serve.answer(&body) + req.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void BM_Serve_EmptyLoad(benchmark::State& state) { round_trips(state, request("")); }
void BM_Serve_LoadSmallRealFile(benchmark::State& state) { round_trips(state, request("\"" + k_small_file + "\"")); }

// The baseline: the empty load's request bytes through `cat` and back.
void BM_PipeEcho_SameBytes(benchmark::State& state) {
  Child cat({"/bin/cat"});
  const std::string req = request("");
  std::string back;
  for (auto _ : state) {
    cat.send(req);
    cat.receive(req.size(), &back);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * req.size() * 2));
}

BENCHMARK(BM_PipeEcho_SameBytes)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Serve_EmptyLoad)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Serve_LoadSmallRealFile)->Unit(benchmark::kMicrosecond);

}  // namespace

CF_BENCHMARK_MAIN();
