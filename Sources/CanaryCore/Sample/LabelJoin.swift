/// The agent's memory of the predictions it read, so an outcome that brings
/// only a label — what a label feed knows: the request key and the truth,
/// not what was predicted — is judged against the prediction this replica
/// made for that key.
///
/// Bounded twice: an entry older than `horizonNs` (on the samples' own
/// timestamps) is forgotten, and at most `maxPending` entries are held, the
/// oldest evicted first, so memory stays under `maxPending` entries whatever
/// the traffic (about 120 bytes each, `Benchmarks/LabelBench`). A label whose
/// key is not held — never read, expired, evicted, or labeled already — is
/// left unjudged and the window counts it as unmatched. Only class
/// predictions under a non-zero key are remembered (key 0 means "no key");
/// `maxPending` 0 remembers nothing (every bare label is unmatched).
public struct LabelJoin: Sendable {
    public let horizonNs: Int64
    public let maxPending: Int

    private struct Entry {
        var timestampNs: Int64
        var predicted: Int32
        /// Which insertion this is: a key predicted again replaces its
        /// entry, and the replaced one's place in `order` no longer counts.
        var serial: UInt32
    }

    private var pending: [UInt64: Entry] = [:]
    /// Keys in insertion order (a queue from `head`), for expiry and eviction.
    private var order: [(key: UInt64, serial: UInt32)] = []
    private var head = 0
    private var nextSerial: UInt32 = 0
    /// The newest sample timestamp seen: the join's clock.
    private var nowNs: Int64 = .min

    /// Predictions forgotten because `maxPending` were held.
    public private(set) var evicted: UInt64 = 0
    /// Predictions forgotten unlabeled at the horizon, or labeled after it.
    public private(set) var expired: UInt64 = 0
    /// Labels judged against a remembered prediction.
    public private(set) var matched: UInt64 = 0

    public init(horizonNs: Int64, maxPending: Int) {
        self.horizonNs = max(1, horizonNs)
        self.maxPending = max(0, maxPending)
    }

    /// Predictions held now (never more than `maxPending`).
    public var pendingCount: Int { pending.count }

    /// Passes one sample through: an inference's class prediction is
    /// remembered under its key; an outcome with a label but neither a
    /// correct flag nor its prediction gets the remembered prediction,
    /// which is then forgotten (one label per inference).
    public mutating func pass(_ sample: Sample) -> Sample {
        if sample.timestampNs > nowNs {
            nowNs = sample.timestampNs
            expire()
        }
        switch sample.kind {
        case .inference:
            if maxPending > 0, sample.key != 0, let predicted = sample.predictedClass, sample.isCorrect == nil {
                remember(sample.key, predicted: predicted, at: sample.timestampNs)
            }
            return sample
        case .outcome:
            guard sample.isCorrect == nil else {
                // Self-contained: judged already; its inference needs no memory.
                if sample.key != 0 { pending[sample.key] = nil }
                return sample
            }
            guard sample.label != nil, sample.key != 0, let entry = pending.removeValue(forKey: sample.key) else { return sample }
            guard sample.timestampNs &- entry.timestampNs <= horizonNs else {
                expired &+= 1
                return sample
            }
            matched &+= 1
            var joined = sample
            joined.predictedClass = entry.predicted
            return joined
        }
    }

    private mutating func remember(_ key: UInt64, predicted: Int32, at timestampNs: Int64) {
        if pending[key] == nil {
            while pending.count >= maxPending { dropOldest(evicting: true) }
        }
        nextSerial &+= 1
        pending[key] = Entry(timestampNs: timestampNs, predicted: predicted, serial: nextSerial)
        order.append((key, nextSerial))
        // Keys predicted again leave their old places behind: past twice
        // the bound the queue keeps only current places (O(1) amortised).
        if order.count - head > 2 * maxPending {
            order = order[head...].filter { pending[$0.key]?.serial == $0.serial }
            head = 0
        }
    }

    private mutating func expire() {
        while head < order.count {
            let first = order[head]
            guard let entry = pending[first.key], entry.serial == first.serial else {
                head += 1
                continue
            }
            guard nowNs &- entry.timestampNs > horizonNs else { break }
            dropOldest(evicting: false)
        }
        compact()
    }

    /// Drops the front of `order`, and its entry if that is still current.
    private mutating func dropOldest(evicting: Bool) {
        let first = order[head]
        head += 1
        if let entry = pending[first.key], entry.serial == first.serial {
            pending[first.key] = nil
            if evicting { evicted &+= 1 } else { expired &+= 1 }
        }
        compact()
    }

    /// Reclaims the consumed front once it is half the queue (amortised O(1)).
    private mutating func compact() {
        guard head > 1024, head * 2 > order.count else { return }
        order.removeFirst(head)
        head = 0
    }
}
