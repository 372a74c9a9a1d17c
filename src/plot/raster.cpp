// SVG to PNG and PDF through librsvg and cairo (Debian's librsvg2, the SVG renderer of
// GNOME): the pictures in the forms slides (PNG) and LaTeX (PDF) take.
#include "hfx/plots.hpp"

#include "hfx/errors.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <librsvg/rsvg.h>

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <filesystem>
#include <memory>

namespace hfx {
namespace {

cairo_status_t append(void* out, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(out)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

struct HandleDeleter {
  void operator()(RsvgHandle* h) const { g_object_unref(h); }
};
struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct CairoDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};

[[noreturn]] void fail(const char* what, GError* error) {
  const std::string message = error ? error->message : "unknown error";
  if (error) g_error_free(error);
  throw InvalidSpecification(fmt::format("rendering the SVG picture: {}: {}", what, message));
}

}  // namespace

std::string render_svg(const std::string& svg, RasterFormat format, double scale) {
  GError* error = nullptr;
  std::unique_ptr<RsvgHandle, HandleDeleter> handle(
      rsvg_handle_new_from_data(reinterpret_cast<const guint8*>(svg.data()), svg.size(), &error));
  if (!handle) fail("not an SVG document", error);
  gdouble width = 0, height = 0;
  if (!rsvg_handle_get_intrinsic_size_in_pixels(handle.get(), &width, &height) || !(width > 0 && height > 0))
    throw InvalidSpecification("rendering the SVG picture: it has no size in pixels");
  std::string out;
  std::unique_ptr<cairo_surface_t, SurfaceDeleter> surface(
      format == RasterFormat::png
          ? cairo_image_surface_create(CAIRO_FORMAT_ARGB32, static_cast<int>(std::ceil(width * scale)),
                                       static_cast<int>(std::ceil(height * scale)))
          : cairo_pdf_surface_create_for_stream(append, &out, width * 0.75, height * 0.75));  // CSS px to pt
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
    throw InvalidSpecification("rendering the SVG picture: the picture is too large");
  {
    std::unique_ptr<cairo_t, CairoDeleter> cr(cairo_create(surface.get()));
    if (format == RasterFormat::png) cairo_scale(cr.get(), scale, scale);
    else cairo_scale(cr.get(), 0.75, 0.75);
    const RsvgRectangle viewport{0, 0, width, height};
    if (!rsvg_handle_render_document(handle.get(), cr.get(), &viewport, &error)) fail("drawing", error);
  }
  if (format == RasterFormat::png) {
    if (cairo_surface_write_to_png_stream(surface.get(), append, &out) != CAIRO_STATUS_SUCCESS)
      throw InvalidSpecification("rendering the SVG picture: PNG encoding failed");
  } else {
    cairo_surface_finish(surface.get());
  }
  return out;
}

}  // namespace hfx
namespace hfx {

std::string picture_for_file(const std::string& svg, const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".svg") return svg;
  if (ext == ".png") return render_svg(svg, RasterFormat::png);
  if (ext == ".pdf") return render_svg(svg, RasterFormat::pdf);
  throw Unsupported(fmt::format("{}: a picture file's name ends in .svg, .png or .pdf", path));
}

}  // namespace hfx
