;; The inverse of up-zstd's stage 1 (PROTOCOL.md, encoding 4), over a memory the zstd decoder owns.
;; Built by build.ts (npm wabt) into upEscUnpredictWasm.ts; upZstdCodec.test.ts rebuilds and compares.
(module
  (import "env" "memory" (memory 1))
  ;; Stage-1 bytes [s, s+len) -> n u16 pixels at out (row width w). Each residual is a zigzag byte
  ;; z < 255, or 255 then z as u16 LE; pixel = prediction + unzigzag(z) mod 2^16, the prediction being
  ;; the left pixel in the first row (0 for pixel 0) and the pixel above in the others. Returns the
  ;; bytes read, or -1 if the bytes end first (an escape cut short included); the caller refuses
  ;; anything but len. Reads stay in [s, s+len), writes in [out, out+2n), up-reads in [out, out+2n).
  (func (export "unpredictUpEsc")
    (param $s i32) (param $len i32) (param $out i32) (param $n i32) (param $w i32) (result i32)
    (local $r i32) (local $z i32) (local $left i32) (local $end i32) (local $p i32) (local $stop i32)
    (local $back i32) (local $last i32)
    (local.set $end (i32.add (local.get $s) (local.get $len)))
    ;; the last position an escape (3 bytes) may start at, plus one
    (local.set $last (i32.sub (local.get $end) (i32.const 2)))
    (local.set $r (local.get $s))
    (local.set $p (local.get $out))
    (local.set $back (i32.shl (local.get $w) (i32.const 1)))
    ;; first row: the left neighbour
    (local.set $stop (i32.add (local.get $out)
      (i32.shl (select (local.get $w) (local.get $n) (i32.lt_u (local.get $w) (local.get $n))) (i32.const 1))))
    (block $done1 (loop $row1
      (br_if $done1 (i32.ge_u (local.get $p) (local.get $stop)))
      (if (i32.ge_u (local.get $r) (local.get $end)) (then (return (i32.const -1))))
      (local.set $z (i32.load8_u (local.get $r)))
      (if (i32.eq (local.get $z) (i32.const 255))
        (then
          (if (i32.ge_u (local.get $r) (local.get $last)) (then (return (i32.const -1))))
          (local.set $z (i32.load16_u (i32.add (local.get $r) (i32.const 1))))
          (local.set $r (i32.add (local.get $r) (i32.const 3))))
        (else (local.set $r (i32.add (local.get $r) (i32.const 1)))))
      (local.set $left (i32.add (local.get $left)
        (i32.xor (i32.shr_u (local.get $z) (i32.const 1)) (i32.sub (i32.const 0) (i32.and (local.get $z) (i32.const 1))))))
      (i32.store16 (local.get $p) (local.get $left))
      (local.set $p (i32.add (local.get $p) (i32.const 2)))
      (br $row1)))
    ;; other rows: the neighbour above
    (local.set $stop (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 1))))
    (block $done (loop $px
      (br_if $done (i32.ge_u (local.get $p) (local.get $stop)))
      (if (i32.ge_u (local.get $r) (local.get $end)) (then (return (i32.const -1))))
      (local.set $z (i32.load8_u (local.get $r)))
      (if (i32.eq (local.get $z) (i32.const 255))
        (then
          (if (i32.ge_u (local.get $r) (local.get $last)) (then (return (i32.const -1))))
          (local.set $z (i32.load16_u (i32.add (local.get $r) (i32.const 1))))
          (local.set $r (i32.add (local.get $r) (i32.const 3))))
        (else (local.set $r (i32.add (local.get $r) (i32.const 1)))))
      (i32.store16 (local.get $p)
        (i32.add (i32.load16_u (i32.sub (local.get $p) (local.get $back)))
          (i32.xor (i32.shr_u (local.get $z) (i32.const 1)) (i32.sub (i32.const 0) (i32.and (local.get $z) (i32.const 1))))))
      (local.set $p (i32.add (local.get $p) (i32.const 2)))
      (br $px)))
    (i32.sub (local.get $r) (local.get $s)))
)
