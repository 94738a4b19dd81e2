#include "formats/pickle_values.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "formats/pickle_literals.hpp"
#include "formats/python_repr.hpp"

namespace ms::pickle_vm {

Handle Arena::add(Value value) {
  ++allocated_since_collection_;
  value.mark = epoch_;
  std::uint32_t index = 0;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    if (slot_count_ == std::numeric_limits<std::uint32_t>::max())
      throw std::length_error("pickle value arena");
    if (chunk_of(slot_count_) == chunks_.size()) {
      const std::uint32_t chunk = static_cast<std::uint32_t>(chunks_.size());
      chunks_.push_back(std::make_unique<Value[]>(chunk == 0 ? 1u << kFirstChunkBits : chunk_start(chunk)));
    }
    index = slot_count_++;
  }
  slot(index) = std::move(value);
  return static_cast<Handle>(index) << 2;
}

void Arena::begin_marking() {
  ++epoch_;
  pending_.clear();
}

void Arena::mark(Handle h) {
  if (!is_arena(h)) return;
  std::uint32_t index = arena_index(h);
  if (index >= slot_count_ || slot(index).mark == epoch_) return;
  slot(index).mark = epoch_;
  pending_.push_back(index);
}

void Arena::finish_marking() {
  while (!pending_.empty()) {
    std::uint32_t index = pending_.back();
    pending_.pop_back();
    for (Handle child : slot(index).items) mark(child);
  }
  for (std::uint32_t index = 0; index < slot_count_; ++index) {
    Value& value = slot(index);
    if (value.kind != Kind::free && value.mark != epoch_) {
      value = Value{};
      free_.push_back(index);
    }
  }
  allocated_since_collection_ = 0;
  collection_threshold_ = std::max<std::size_t>(1u << 16, live());
}

Kind kind_of(const Arena& arena, Handle h) {
  if (is_small_int(h)) return Kind::integer;
  if (is_arena(h)) return arena.at(h).kind;
  if (h == kNone) return Kind::none;
  if (h == kTrue || h == kFalse) return Kind::boolean;
  return Kind::unknown;
}

std::string_view global_module(const Arena& arena, const Value& global) {
  return global.items.size() == 2 && is_text(arena, global.items[0]) ? arena.at(global.items[0]).payload()
                                                                     : std::string_view();
}

std::string_view global_qualname(const Arena& arena, const Value& global) {
  return global.items.size() == 2 && is_text(arena, global.items[1]) ? arena.at(global.items[1]).payload()
                                                                     : std::string_view();
}

bool is_text(const Arena& arena, Handle h) { return is_arena(h) && arena.at(h).kind == Kind::str; }

namespace {

constexpr std::string_view kEllipsis = "...";

struct Renderer {
  const Arena& arena;
  RenderLimits limits;
  std::string out;

  bool full() const { return out.size() >= limits.max_chars; }

  void items(const Value& value, std::string_view open, std::string_view close, bool pairs) {
    out += open;
    std::size_t shown = 0;
    const std::size_t step = pairs ? 2 : 1;
    for (std::size_t i = 0; i + step <= value.items.size(); i += step) {
      if (full()) break;
      if (shown++ > 0) out += ", ";
      render(value.items[i], depth + 1);
      if (pairs) {
        out += ": ";
        render(value.items[i + 1], depth + 1);
      }
    }
    if (value.size > shown) {
      if (shown > 0) out += ", ";
      out += "...";
      if (value.size > shown) out.append("(").append(std::to_string(value.size - shown)).append(" more)");
    }
    if (value.kind == Kind::tuple && value.size == 1 && shown == 1) out += ",";
    out += close;
  }

  void call(const Value& value) {
    out += describe_callable(arena, value.items.empty() ? kUnknown : value.items[0],
                             limits.callable_nesting - 1);
    out += "(";
    std::size_t count = 0;
    if (value.items.size() > 1) {
      Handle args = value.items[1];
      if (is_arena(args) && arena.at(args).kind == Kind::tuple) {
        const Value& tuple = arena.at(args);
        for (Handle item : tuple.items) {
          if (full()) break;
          if (count++ > 0) out += ", ";
          render(item, depth + 1);
        }
        if (tuple.size > tuple.items.size()) out += count++ > 0 ? ", ..." : "...";
      } else {
        out += "*";
        render(args, depth + 1);
        ++count;
      }
    }
    if (value.items.size() > 2) {
      Handle kwargs = value.items[2];
      if (count > 0) out += ", ";
      if (is_arena(kwargs) && arena.at(kwargs).kind == Kind::dict) {
        const Value& dict = arena.at(kwargs);
        std::size_t pairs = 0;
        for (std::size_t i = 0; i + 1 < dict.items.size() && !full(); i += 2) {
          if (pairs++ > 0) out += ", ";
          if (is_text(arena, dict.items[i])) {
            out += arena.at(dict.items[i]).payload().substr(0, 256);
          } else {
            render(dict.items[i], depth + 1);
          }
          out += "=";
          render(dict.items[i + 1], depth + 1);
        }
      } else {
        out += "**";
        render(kwargs, depth + 1);
      }
    }
    out += ")";
  }

  int depth = 0;

  void render(Handle h, int at_depth) {
    if (full()) return;
    int saved = depth;
    depth = at_depth;
    render_one(h);
    depth = saved;
  }

  void render_one(Handle h) {
    if (is_small_int(h)) {
      out += std::to_string(small_int_value(h));
      return;
    }
    if (!is_arena(h)) {
      out += h == kNone ? "None" : h == kTrue ? "True" : h == kFalse ? "False" : "<unknown>";
      return;
    }
    const Value& value = arena.at(h);
    const bool too_deep = depth >= limits.max_depth;
    const std::size_t room = limits.max_chars > out.size() ? limits.max_chars - out.size() : 0;
    switch (value.kind) {
      case Kind::integer:
        out += value.text.empty() ? std::to_string(value.integer) : value.text;
        return;
      case Kind::floating:
        out += python_float_repr(value.number);
        return;
      case Kind::str:
        python_repr_str(out, value.payload(), room);
        if (value.partial) out += kEllipsis;
        return;
      case Kind::bytes:
      case Kind::bytearray:
        if (value.kind == Kind::bytearray) out += "bytearray(";
        python_repr_bytes(out, value.payload(), std::min<std::size_t>(room, 256));
        if (value.partial || value.size > value.payload().size()) out += kEllipsis;
        if (value.size > 256) out.append("<").append(std::to_string(value.size)).append(" bytes>");
        if (value.kind == Kind::bytearray) out += ")";
        return;
      case Kind::global:
        out.append(global_module(arena, value)).append(".").append(global_qualname(arena, value));
        return;
      case Kind::extension:
        out += "<extension " + std::to_string(value.integer) + ">";
        return;
      case Kind::buffer:
        out += "<out-of-band buffer " + std::to_string(value.integer) + ">";
        return;
      case Kind::persistent_id:
        out += "persistent_id(";
        if (too_deep) {
          out += kEllipsis;
        } else {
          render(value.items.empty() ? kUnknown : value.items[0], depth + 1);
        }
        out += ")";
        return;
      default:
        break;
    }
    if (too_deep) {
      out += kEllipsis;
      return;
    }
    switch (value.kind) {
      case Kind::tuple:
        items(value, "(", ")", false);
        return;
      case Kind::list:
        items(value, "[", "]", false);
        return;
      case Kind::dict:
        items(value, "{", "}", true);
        return;
      case Kind::set:
        if (value.size == 0) {
          out += "set()";
        } else {
          items(value, "{", "}", false);
        }
        return;
      case Kind::frozenset:
        out += "frozenset(";
        if (value.size > 0) items(value, "{", "}", false);
        out += ")";
        return;
      case Kind::call:
      case Kind::object:
        call(value);
        return;
      default:
        out += "<unknown>";
        return;
    }
  }
};

}  // namespace

std::string render(const Arena& arena, Handle h, RenderLimits limits) {
  Renderer renderer{arena, limits, {}};
  renderer.render(h, 0);
  if (renderer.out.size() > limits.max_chars + 64) {
    renderer.out.resize(limits.max_chars);
    renderer.out += kEllipsis;
  }
  return std::move(renderer.out);
}

std::string describe_callable(const Arena& arena, Handle h, int nesting) {
  if (nesting <= 0) return "<...>";
  std::string prefix;
  std::string suffix;
  for (int depth = 0; depth < 4; ++depth) {
    if (!is_arena(h)) break;
    const Value& value = arena.at(h);
    if (value.kind == Kind::global) {
      return prefix.append(global_module(arena, value))
          .append(".")
          .append(global_qualname(arena, value))
          .append(suffix);
    }
    if (value.kind == Kind::call || value.kind == Kind::object) {
      prefix += value.kind == Kind::call ? "<result of " : "<instance of ";
      suffix = (value.kind == Kind::call ? "(...)>" : ">") + suffix;
      h = value.items.empty() ? kUnknown : value.items[0];
      continue;
    }
    break;
  }
  if (is_arena(h) && arena.at(h).kind == Kind::persistent_id) {
    return prefix + "<" +
           render(arena, h, {.max_chars = 200, .max_depth = 3, .callable_nesting = nesting - 1}) + ">" +
           suffix;
  }
  if (h == kUnknown || (is_arena(h) && arena.at(h).kind == Kind::unknown))
    return prefix + "<unknown>" + suffix;
  if (is_arena(h) && (arena.at(h).kind == Kind::call || arena.at(h).kind == Kind::object)) {
    return prefix + "<...>" + suffix;  // a chain deeper than we describe
  }
  std::string rendered =
      render(arena, h, {.max_chars = 120, .max_depth = 2, .callable_nesting = nesting - 1});
  if (!rendered.empty() && rendered.front() == '<') return prefix + rendered + suffix;
  return prefix + "<" + rendered + ">" + suffix;
}

const Value* origin_global(const Arena& arena, Handle h) {
  for (int depth = 0; depth < 8 && is_arena(h); ++depth) {
    const Value& value = arena.at(h);
    if (value.kind == Kind::global) return &value;
    if ((value.kind != Kind::call && value.kind != Kind::object) || value.items.empty()) return nullptr;
    h = value.items[0];
  }
  return nullptr;
}

}  // namespace ms::pickle_vm
