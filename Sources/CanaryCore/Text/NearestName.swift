/// "Did you mean …?" for a name that matches nothing: the known name
/// fewest edits away, when it is close enough to be a typo (`v2-goood` →
/// `v2-good`, `digitz` → `digits`) rather than another name altogether.
public enum NearestName {
    /// The candidate within a few edits of `name` (about one in three of its
    /// characters, at least one, at most three), nearest first, ties by name.
    public static func suggestion(for name: String, among candidates: some Sequence<String>) -> String? {
        let allowed = max(1, min(3, name.count / 3))
        var best: (distance: Int, name: String)?
        for candidate in candidates where candidate != name {
            let d = distance(Array(name), Array(candidate))
            guard d <= allowed else { continue }
            if best.map({ (d, candidate) < ($0.distance, $0.name) }) ?? true { best = (d, candidate) }
        }
        return best?.name
    }

    /// Levenshtein distance (insertions, deletions, substitutions), one row at a time.
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        guard !a.isEmpty else { return b.count }
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var row = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                row[j + 1] = min(previous[j + 1] + 1, row[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = row
        }
        return previous[b.count]
    }
}
