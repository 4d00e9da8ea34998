// Per workgroup: smallest and largest order key of the non-NaN values, and how many there were.
struct Params { length: u32, groups: u32 }
struct Partial { min_key: u32, max_key: u32, count: u32, pad: u32 }

@group(0) @binding(0) var<storage, read> data: array<u32>;
@group(0) @binding(1) var<storage, read_write> partials: array<Partial>;
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> shared_min: array<u32, 256>;
var<workgroup> shared_max: array<u32, 256>;
var<workgroup> shared_count: array<u32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) local: u32, @builtin(workgroup_id) group: vec3<u32>) {
  var low = 0xffffffffu;
  var high = 0u;
  var count = 0u;
  let stride = params.groups * 256u;
  for (var index = group.x * 256u + local; index < params.length; index += stride) {
    let bits = data[index];
    if (!is_nan_bits(bits)) {
      let key = order_key(bits);
      low = min(low, key);
      high = max(high, key);
      count += 1u;
    }
  }
  shared_min[local] = low;
  shared_max[local] = high;
  shared_count[local] = count;
  workgroupBarrier();
  for (var step = 128u; step > 0u; step >>= 1u) {
    if (local < step) {
      shared_min[local] = min(shared_min[local], shared_min[local + step]);
      shared_max[local] = max(shared_max[local], shared_max[local + step]);
      shared_count[local] += shared_count[local + step];
    }
    workgroupBarrier();
  }
  if (local == 0u) {
    partials[group.x] = Partial(shared_min[0], shared_max[0], shared_count[0], 0u);
  }
}
