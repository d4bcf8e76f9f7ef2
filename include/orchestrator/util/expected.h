#pragma once
// Errors as values inside the layers (std::expected arrives in C++23; this is the subset we use).
// Both Expected and Status are [[nodiscard]]: a result is handled, or dropped with (void) and a
// comment saying why that is safe.
#include <string>
#include <utility>
#include <variant>

namespace orch {

// What kind of failure an Error reports; app/ maps it to the process's exit code.
enum class ErrorKind {
  Failure,    // the operation failed (a task could not start, a check found a problem)
  Usage,      // bad command line or configuration: nothing was run or written
  Store,      // the status database cannot be opened, read or written
  Locked,     // another orchestrator holds the lock that was asked for
  Elsewhere,  // the task is running now under another live orchestrator: not started here
};

struct Error {
  std::string message;
  bool retriable = true;  // false when trying again cannot help (missing script, bad interpreter)
  ErrorKind kind = ErrorKind::Failure;
};

template <class T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}
  Expected(Error error) : v_(std::move(error)) {}

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Expected<Ok>;
inline Status ok() { return Ok{}; }
inline Error make_error(std::string message, bool retriable = true) {
  return Error{std::move(message), retriable, ErrorKind::Failure};
}
inline Error make_error(ErrorKind kind, std::string message, bool retriable = true) {
  return Error{std::move(message), retriable, kind};
}

}  // namespace orch
