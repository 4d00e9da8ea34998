// One workgroup per pixel bucket: first and last index of a non-NaN value, min and max order key.
// bounds[b]..bounds[b + 1] is bucket b's sample range within this upload.
struct Params { buckets: u32, row: u32, pad0: u32, pad1: u32 }
struct Bucket { first: u32, last: u32, min_key: u32, max_key: u32 }

@group(0) @binding(0) var<storage, read> data: array<u32>;
@group(0) @binding(1) var<storage, read_write> out: array<Bucket>;
@group(0) @binding(2) var<uniform> params: Params;
@group(0) @binding(3) var<storage, read> bounds: array<u32>;

var<workgroup> shared_first: array<u32, 256>;
var<workgroup> shared_last: array<u32, 256>;
var<workgroup> shared_min: array<u32, 256>;
var<workgroup> shared_max: array<u32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) local: u32, @builtin(workgroup_id) group: vec3<u32>) {
  let bucket = group.x + group.y * params.row;
  if (bucket >= params.buckets) {
    return;
  }
  var first = 0xffffffffu;
  var last = 0u;
  var seen = false;
  var low = 0xffffffffu;
  var high = 0u;
  for (var index = bounds[bucket] + local; index < bounds[bucket + 1u]; index += 256u) {
    let bits = data[index];
    if (!is_nan_bits(bits)) {
      let key = order_key(bits);
      first = min(first, index);
      last = max(last, index);
      seen = true;
      low = min(low, key);
      high = max(high, key);
    }
  }
  shared_first[local] = first;
  shared_last[local] = select(0u, last + 1u, seen);
  shared_min[local] = low;
  shared_max[local] = high;
  workgroupBarrier();
  for (var step = 128u; step > 0u; step >>= 1u) {
    if (local < step) {
      shared_first[local] = min(shared_first[local], shared_first[local + step]);
      shared_last[local] = max(shared_last[local], shared_last[local + step]);
      shared_min[local] = min(shared_min[local], shared_min[local + step]);
      shared_max[local] = max(shared_max[local], shared_max[local + step]);
    }
    workgroupBarrier();
  }
  if (local == 0u) {
    out[bucket] = Bucket(shared_first[0], shared_last[0], shared_min[0], shared_max[0]);
  }
}
