# Symbol names without the parts that change between builds, for hot-functions.txt.
#   awk -f symbol-key.awk -v mode=keys NAMES          each name's key, first time seen
#   awk -f symbol-key.awk -v mode=order LIST NAMES    the names whose key is in LIST, in
#                                                     LIST's order (for lld's
#                                                     --symbol-ordering-file)
# A key drops rustc's hash from legacy names (_ZN...17h<hex>E), the crate disambiguators
# from v0 names (_R...Cs<base62>_), and the .llvm.<n> suffix of symbols LTO renamed.
function key(name) {
  sub(/\.llvm\.[0-9]+$/, "", name)
  if (name ~ /^_ZN/) sub(/17h[0-9a-f]+E$/, "E", name)
  else if (name ~ /^_R/) gsub(/Cs[0-9A-Za-z]*_/, "C", name)
  return name
}
mode == "keys" {
  k = key($0)
  if (!(k in seen)) { seen[k] = 1; print k }
  next
}
mode == "order" && FNR == NR {
  if ($0 != "" && $0 !~ /^#/ && !($0 in rank)) { rank[$0] = ++keys }
  next
}
mode == "order" {
  k = key($0)
  if ((k in rank) && !($0 in taken)) {
    taken[$0] = 1
    n = ++count[rank[k]]
    names[rank[k], n] = $0
  }
}
END {
  if (mode != "order") exit
  for (r = 1; r <= keys; r++)
    for (n = 1; n <= count[r]; n++) print names[r, n]
}
