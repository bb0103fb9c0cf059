namespace Typed.Processes.Channels;

/// <summary>A growable FIFO ring with removal by predicate (used under the owning channel's lock).</summary>
internal sealed class RingBuffer<T>
{
    private T[] _items;
    private int _head;
    private int _count;

    public RingBuffer(int initialCapacity = 4) => _items = initialCapacity == 0 ? [] : new T[initialCapacity];

    public int Count => _count;

    public void Enqueue(T item)
    {
        if (_count == _items.Length) Grow();
        _items[(_head + _count) % _items.Length] = item;
        _count++;
    }

    public T Dequeue()
    {
        var item = _items[_head];
        _items[_head] = default!;
        _head = (_head + 1) % _items.Length;
        _count--;
        if (_count == 0) _head = 0;
        return item;
    }

    public T Peek() => _items[_head];

    /// <summary>The <paramref name="index"/>-th item from the head (0: the oldest).</summary>
    public T this[int index] => _items[(_head + index) % _items.Length];

    /// <summary>Removes every item matching <paramref name="match"/>, keeping the others in order.</summary>
    public int RemoveAll(Func<T, bool> match, Action<T>? removed = null)
    {
        int kept = 0, removedCount = 0;
        for (int i = 0; i < _count; i++)
        {
            var item = _items[(_head + i) % _items.Length];
            if (match(item))
            {
                removed?.Invoke(item);
                removedCount++;
            }
            else
            {
                _items[(_head + kept) % _items.Length] = item;
                kept++;
            }
        }
        for (int i = kept; i < _count; i++) _items[(_head + i) % _items.Length] = default!;
        _count = kept;
        if (_count == 0) _head = 0;
        return removedCount;
    }

    /// <summary>Removes every item matching <paramref name="match"/> given <paramref name="state"/> (no closure), keeping the others in order.</summary>
    public void RemoveAll<TState>(TState state, Func<T, TState, bool> match)
    {
        int kept = 0;
        for (int i = 0; i < _count; i++)
        {
            var item = _items[(_head + i) % _items.Length];
            if (match(item, state)) continue;
            _items[(_head + kept) % _items.Length] = item;
            kept++;
        }
        for (int i = kept; i < _count; i++) _items[(_head + i) % _items.Length] = default!;
        _count = kept;
        if (_count == 0) _head = 0;
    }

    private void Grow()
    {
        var next = new T[Math.Max(4, _items.Length * 2)];
        for (int i = 0; i < _count; i++) next[i] = _items[(_head + i) % _items.Length];
        _items = next;
        _head = 0;
    }
}
