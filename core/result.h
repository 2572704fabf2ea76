// Result<T>: a value or a LoadError, must be checked (STYLE.md 4; LLVM's Expected).
// In debug builds a Result destroyed without ever being asked ok()/operator bool aborts,
// so an ignored failure shows up the first time the test suite runs that line.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <utility>
#include <variant>

#include "core/error.h"

namespace cf {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Result(LoadError error) : v_(std::move(error)) {}  // NOLINT
  Result(Result&& other) noexcept : v_(std::move(other.v_)) {
#ifndef NDEBUG
    checked_ = other.checked_;
    other.checked_ = true;
#endif
  }
  Result& operator=(Result&& other) noexcept {
#ifndef NDEBUG
    if (!checked_) {
      std::fputs("cf::Result overwritten unchecked\n", stderr);
      std::abort();
    }
    checked_ = other.checked_;
    other.checked_ = true;
#endif
    v_ = std::move(other.v_);
    return *this;
  }
  Result(const Result&) = delete;
  ~Result() {
#ifndef NDEBUG
    if (!checked_) {
      std::fputs("cf::Result destroyed unchecked\n", stderr);
      std::abort();
    }
#endif
  }

  /// True when a value is held; marks the result checked.
  bool ok() const {
#ifndef NDEBUG
    checked_ = true;
#endif
    return std::holds_alternative<T>(v_);
  }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

  const LoadError& error() const { return std::get<LoadError>(v_); }
  LoadError&& take_error() { return std::get<LoadError>(std::move(v_)); }

 private:
  std::variant<T, LoadError> v_;
#ifndef NDEBUG
  mutable bool checked_ = false;
#endif
};

/// Result of an operation with no value.
struct Ok {};
using Status = Result<Ok>;

}  // namespace cf
