// Counts values per bin by comparing order keys with the bins' edge keys (exact on any GPU).
// counts[0..bins) are the bins, counts[bins] below the first edge, counts[bins + 1] above the last.
struct Params { length: u32, groups: u32, bins: u32, pad: u32 }

@group(0) @binding(0) var<storage, read> data: array<u32>;
@group(0) @binding(1) var<storage, read_write> counts: array<atomic<u32>>;
@group(0) @binding(2) var<uniform> params: Params;
@group(0) @binding(3) var<storage, read> edge_keys: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let stride = params.groups * 256u;
  for (var index = id.x; index < params.length; index += stride) {
    let bits = data[index];
    if (is_nan_bits(bits)) {
      continue;
    }
    let key = order_key(bits);
    if (key < edge_keys[0]) {
      atomicAdd(&counts[params.bins], 1u);
    } else if (key > edge_keys[params.bins]) {
      atomicAdd(&counts[params.bins + 1u], 1u);
    } else {
      var low = 0u;
      var high = params.bins - 1u;
      while (low < high) {
        let middle = (low + high + 1u) / 2u;
        if (key >= edge_keys[middle]) {
          low = middle;
        } else {
          high = middle - 1u;
        }
      }
      atomicAdd(&counts[low], 1u);
    }
  }
}
