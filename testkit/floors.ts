// Hand-written WAT modules that do the bench's jobs with the least work a filter can do: the floors the
// SDK's modules are measured against (bench/floors.ts). Each does exactly what the SDK module it stands
// for does per stream, with its data laid out for that one job; tests/bench/floors.test.ts checks that
// each does the job.
//
// Memory protocol shared by the floors: the host's out-parameters are written at 0 (pointer) and 4
// (size); `malloc` hands out one reused block (the host's answers are consumed before the next call),
// growing memory when a block does not fit.

/** Grows memory so that it reaches `$end`. */
const RESERVE = `
  (func $reserve (param $end i32)
    (local $pages i32)
    (local.set $pages (i32.sub (i32.shr_u (i32.add (local.get $end) (i32.const 65535)) (i32.const 16)) (memory.size)))
    (if (i32.gt_s (local.get $pages) (i32.const 0)) (then (drop (memory.grow (local.get $pages))))))`;

/** add-header: proxy_on_response_headers adds "hello: world" and nothing else happens per request. */
export const FLOOR_ADD_HEADER_WAT = `(module
  (import "env" "proxy_add_header_map_value" (func $add (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello")
  (data (i32.const 32) "world")
  (global $heap (mut i32) (i32.const 1024))
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "malloc") (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $size)))
    (local.get $p))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32)
    (drop (call $add (i32.const 2) (i32.const 16) (i32.const 5) (i32.const 32) (i32.const 5)))
    (i32.const 0))
)`;

/**
 * user-agent-logger: logs "User-Agent: <value>" (or "User-Agent: -") at INFO in
 * proxy_on_request_headers. The host writes the value right behind the prefix, so the line is logged
 * from where it lies.
 */
export const FLOOR_USER_AGENT_WAT = `(module
  (import "env" "proxy_get_header_map_value" (func $get (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "user-agent")
  (data (i32.const 1024) "User-Agent: ")
  ${RESERVE}
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "malloc") (param $size i32) (result i32)
    (call $reserve (i32.add (i32.const 1036) (local.get $size)))
    (i32.const 1036))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (if (call $get (i32.const 0) (i32.const 16) (i32.const 10) (i32.const 0) (i32.const 4))
      (then
        (i32.store8 (i32.const 1036) (i32.const 45))
        (i32.store (i32.const 4) (i32.const 1))))
    (drop (call $log (i32.const 2) (i32.const 1024) (i32.add (i32.const 12) (i32.load (i32.const 4)))))
    (i32.const 0))
)`;

/** Body copy: proxy_on_response_body reads the whole response body and writes it back. */
export const FLOOR_BODY_COPY_WAT = `(module
  (import "env" "proxy_get_buffer_bytes" (func $get (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_set_buffer_bytes" (func $set (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ${RESERVE}
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "malloc") (param $size i32) (result i32)
    (call $reserve (i32.add (i32.const 1024) (local.get $size)))
    (i32.const 1024))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_response_body") (param i32) (param $size i32) (param $end i32) (result i32)
    (if (i32.eqz (local.get $end)) (then (return (i32.const 1))))
    (if (i32.eqz (call $get (i32.const 1) (i32.const 0) (local.get $size) (i32.const 0) (i32.const 4)))
      (then (drop (call $set (i32.const 1) (i32.const 0) (local.get $size) (i32.load (i32.const 0)) (i32.load (i32.const 4))))))
    (i32.const 0))
)`;

/** The body-rewrite bench's replacement, as the floor below has it built in. */
export const FLOOR_BODY_REWRITE_FROM = "cat";
export const FLOOR_BODY_REWRITE_TO = "kitten";

/**
 * body-rewrite with one replacement: removes content-length from response headers; at the end of the
 * body, scans it where the host wrote it (first byte, then the rest of the pattern on a hit), copies
 * the stretches between matches and the replacement to an output area in the same pass, and writes
 * the output back only when something matched.
 */
export const FLOOR_BODY_REWRITE_WAT = `(module
  (import "env" "proxy_get_buffer_bytes" (func $get (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_set_buffer_bytes" (func $set (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_remove_header_map_value" (func $remove (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "content-length")
  (data (i32.const 32) "${FLOOR_BODY_REWRITE_FROM}")
  (data (i32.const 48) "${FLOOR_BODY_REWRITE_TO}")
  (global $fromLength i32 (i32.const ${FLOOR_BODY_REWRITE_FROM.length}))
  (global $toLength i32 (i32.const ${FLOOR_BODY_REWRITE_TO.length}))
  ${RESERVE}
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "malloc") (param $size i32) (result i32)
    (call $reserve (i32.add (i32.const 1024) (local.get $size)))
    (i32.const 1024))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32)
    (drop (call $remove (i32.const 2) (i32.const 16) (i32.const 14)))
    (i32.const 0))
  (func (export "proxy_on_response_body") (param i32) (param $size i32) (param $end i32) (result i32)
    (local $at i32) (local $stop i32) (local $last i32) (local $first i32) (local $copied i32)
    (local $out i32) (local $o i32) (local $i i32)
    (if (i32.eqz (local.get $end)) (then (return (i32.const 1))))
    (if (call $get (i32.const 1) (i32.const 0) (local.get $size) (i32.const 0) (i32.const 4)) (then (return (i32.const 0))))
    (local.set $at (i32.load (i32.const 0)))
    (local.set $copied (local.get $at))
    (local.set $stop (i32.add (local.get $at) (i32.load (i32.const 4))))
    (local.set $last (i32.sub (local.get $stop) (global.get $fromLength)))
    (local.set $first (i32.load8_u (i32.const 32)))
    (block $scanned
      (loop $scan
        (br_if $scanned (i32.gt_s (local.get $at) (local.get $last)))
        (if (i32.ne (i32.load8_u (local.get $at)) (local.get $first))
          (then (local.set $at (i32.add (local.get $at) (i32.const 1))) (br $scan)))
        (local.set $i (i32.const 1))
        (block $mismatch
          (loop $compare
            (br_if $mismatch (i32.ne (i32.load8_u (i32.add (local.get $at) (local.get $i))) (i32.load8_u (i32.add (i32.const 32) (local.get $i)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $compare (i32.lt_u (local.get $i) (global.get $fromLength))))
          ;; a match: on the first one, make room for the largest possible output
          (if (i32.eqz (local.get $out))
            (then
              (local.set $out (i32.and (i32.add (local.get $stop) (i32.const 15)) (i32.const -16)))
              (local.set $o (local.get $out))
              (call $reserve (i32.add (local.get $out)
                (i32.add (i32.sub (local.get $stop) (local.get $copied))
                  (i32.mul (i32.div_u (i32.sub (local.get $stop) (local.get $copied)) (global.get $fromLength)) (global.get $toLength)))))))
          (memory.copy (local.get $o) (local.get $copied) (i32.sub (local.get $at) (local.get $copied)))
          (local.set $o (i32.add (local.get $o) (i32.sub (local.get $at) (local.get $copied))))
          (memory.copy (local.get $o) (i32.const 48) (global.get $toLength))
          (local.set $o (i32.add (local.get $o) (global.get $toLength)))
          (local.set $at (i32.add (local.get $at) (global.get $fromLength)))
          (local.set $copied (local.get $at))
          (br $scan))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (br $scan)))
    (if (local.get $out)
      (then
        (memory.copy (local.get $o) (local.get $copied) (i32.sub (local.get $stop) (local.get $copied)))
        (local.set $o (i32.add (local.get $o) (i32.sub (local.get $stop) (local.get $copied))))
        (drop (call $set (i32.const 1) (i32.const 0) (local.get $size) (local.get $out) (i32.sub (local.get $o) (local.get $out))))))
    (i32.const 0))
)`;
