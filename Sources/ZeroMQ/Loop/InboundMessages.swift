import Synchronization

/// The messages a `SocketLoop` received, in order, as an `AsyncSequence`.
///
/// Bounded: once `capacity` messages wait unconsumed, the loop stops reading
/// its sockets (so libzmq's receive high-water mark throttles the peers) and
/// resumes when the consumer has taken half of them. Nothing is dropped here.
/// Ends (`nil`) after the loop shut down and the buffered messages were taken.
///
/// Single consumer: iterate it from one task at a time.
public struct InboundMessages: AsyncSequence, Sendable {
    public typealias Element = InboundMessage
    let buffer: InboundBuffer

    public func makeAsyncIterator() -> Iterator { Iterator(buffer: buffer) }

    public struct Iterator: AsyncIteratorProtocol {
        let buffer: InboundBuffer
        public mutating func next() async -> InboundMessage? { await buffer.next() }
    }
}

/// The shared state behind `InboundMessages`, filled by the loop thread.
final class InboundBuffer: Sendable {
    private struct State {
        var messages = FIFO<InboundMessage>()
        var waiter: CheckedContinuation<InboundMessage?, Never>?
        var finished = false
        /// The loop stopped reading because the buffer was full.
        var paused = false
    }

    private let state = Mutex(State())
    private let capacity: Int
    private let wakeup: Wakeup

    init(capacity: Int, wakeup: Wakeup) {
        self.capacity = capacity
        self.wakeup = wakeup
    }

    /// Whether the loop should stop reading its sockets for now.
    var isPaused: Bool { state.withLock { $0.paused } }

    /// Loop thread: delivers one message; returns `false` when the buffer is now full.
    func push(_ message: InboundMessage) -> Bool {
        let (waiter, hasRoom) = state.withLock { state -> (CheckedContinuation<InboundMessage?, Never>?, Bool) in
            if let waiter = state.waiter {
                state.waiter = nil
                return (waiter, true)
            }
            state.messages.append(message)
            if state.messages.count >= capacity { state.paused = true }
            return (nil, !state.paused)
        }
        waiter?.resume(returning: message)
        return hasRoom
    }

    /// Loop thread, at shutdown: the sequence ends after the buffered messages.
    func finish() {
        let waiter = state.withLock { state in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    func next() async -> InboundMessage? {
        if let ready = takeReady() { return ready }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let (immediate, resume) = state.withLock { state -> (InboundMessage??, Bool) in
                    if let (message, resume) = pop(&state) { return (.some(message), resume) }
                    if state.finished || Task.isCancelled { return (.some(nil), false) }
                    precondition(state.waiter == nil, "InboundMessages supports one consumer at a time")
                    state.waiter = continuation
                    return (.none, false)
                }
                if resume { wakeup.signal() }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    /// A buffered message, or `.some(nil)` at the end, or `nil` if the consumer must wait.
    private func takeReady() -> InboundMessage?? {
        let (result, resume) = state.withLock { state -> (InboundMessage??, Bool) in
            if let (message, resume) = pop(&state) { return (.some(message), resume) }
            return (state.finished ? .some(nil) : .none, false)
        }
        if resume { wakeup.signal() }
        return result
    }

    /// Pops one message; also says whether the loop, paused on a full buffer,
    /// should resume reading now that the buffer drained to half.
    private func pop(_ state: inout State) -> (InboundMessage, Bool)? {
        guard let message = state.messages.popFirst() else { return nil }
        if state.paused && state.messages.count <= capacity / 2 {
            state.paused = false
            return (message, true)
        }
        return (message, false)
    }
}
