// Schema and consistency validation of HistFactory documents (internal).
#pragma once

#include "hfx/json.hpp"
#include "hfx/spec.hpp"
#include "hfx/workspace.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace hfx::detail {

// Small helpers shared by the validators: each throws InvalidSpecification naming `path`.
std::string describe_type(const Json& v);
// `v` as Python's json.dumps writes it, cut to at most 80 characters (for messages).
std::string short_dump(const Json& v);
[[noreturn]] void fail(const std::string& path, const std::string& what);
const Json& require_key(const Json& obj, std::string_view key, const std::string& path);
void require_object(const Json& v, const std::string& path);
void require_array(const Json& v, const std::string& path, std::size_t min_items = 0);
void reject_unknown_keys(const Json& obj, std::initializer_list<std::string_view> allowed,
                         const std::string& path);
std::string require_string(const Json& v, const std::string& path);
double require_number(const Json& v, const std::string& path);
std::vector<double> require_numbers(const Json& v, const std::string& path, std::size_t min_items = 1);

struct ParsedWorkspace {
  std::string version;
  std::vector<ChannelSpec> channels;
  std::vector<ObservationSpec> observations;
  std::vector<MeasurementSpec> measurements;
};

// Validates a whole workspace document (schema + consistency) and returns its typed view.
ParsedWorkspace parse_workspace(const Json& doc);
// Validates one channel (as in a workspace's or model's "channels" list).
ChannelSpec parse_channel(const Json& v, const std::string& path);
// Validates a measurement parameter configuration.
ParameterConfig parse_parameter_config(const Json& v, const std::string& path);

}  // namespace hfx::detail
