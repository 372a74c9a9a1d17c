#pragma once
namespace hfx {
inline constexpr const char* kVersion = "0.1.0";
}
