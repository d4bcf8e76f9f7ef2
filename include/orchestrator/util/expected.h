#pragma once
// Errors as values inside the layers (std::expected arrives in C++23; this is the subset we use).
#include <string>
#include <utility>
#include <variant>

namespace orch {

struct Error {
  std::string message;
  bool retriable = true;  // false when trying again cannot help (missing script, bad interpreter)
};

template <class T>
class Expected {
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
  return Error{std::move(message), retriable};
}

}  // namespace orch
