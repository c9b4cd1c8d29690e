/// Labels waiting for their delay: ground truth arrives after the
/// prediction, as it does in production (a chargeback, a click, a review).
struct LabelQueue {
    struct Pending {
        var dueNs: UInt64
        var replica: Int
        var key: UInt64
        var predicted: Int32
        var correct: Bool
    }

    /// Due times only grow (one constant delay per version at a time, pushed
    /// in arrival order), so a FIFO is sorted enough: a fault that shortens
    /// the delay only makes a few labels wait a little longer.
    private var items: [Pending] = []
    private var head = 0

    mutating func push(_ pending: Pending) {
        items.append(pending)
    }

    /// Removes and returns the labels due at `nowNs`.
    mutating func popDue(nowNs: UInt64) -> ArraySlice<Pending> {
        let start = head
        while head < items.count, items[head].dueNs <= nowNs { head += 1 }
        let due = items[start..<head]
        if head > 4_096 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
            return due.isEmpty ? [] : ArraySlice(Array(due))
        }
        return due
    }
}
