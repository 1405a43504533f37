package io.pgnotify.core;

import java.util.Arrays;
import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Which handlers each channel has. Reads are lock-free (dispatch reads the handler array of a channel per
 * notification); changes copy the channel's array under the instance lock and bump {@link #version()} when the set of
 * channels changes, which tells the listener thread to LISTEN or UNLISTEN.
 */
final class Subscriptions {

    static final Entry[] NONE = new Entry[0];

    private final ConcurrentHashMap<String, Entry[]> byChannel = new ConcurrentHashMap<>();
    private final Set<String> channels = Collections.unmodifiableSet(byChannel.keySet());
    private volatile long version;
    // Told of each subscription that ends, after it has left its channel's handlers: the dispatcher ends its lane.
    private volatile Consumer<Entry> removed = entry -> {};

    Entry add(String channel, NotificationHandler handler) {
        Entry entry = new Entry(channel, handler, this);
        synchronized (this) {
            Entry[] current = byChannel.get(channel);
            if (current == null) {
                byChannel.put(channel, new Entry[] {entry});
                version++;
            } else {
                Entry[] next = Arrays.copyOf(current, current.length + 1);
                next[current.length] = entry;
                byChannel.put(channel, next);
            }
        }
        return entry;
    }

    synchronized void remove(Entry entry) {
        Entry[] current = byChannel.get(entry.channel);
        if (current == null) {
            return;
        }
        int index = -1;
        for (int i = 0; i < current.length; i++) {
            if (current[i] == entry) {
                index = i;
                break;
            }
        }
        if (index < 0) {
            return;
        }
        if (current.length == 1) {
            byChannel.remove(entry.channel);
            version++;
            return;
        }
        Entry[] next = new Entry[current.length - 1];
        System.arraycopy(current, 0, next, 0, index);
        System.arraycopy(current, index + 1, next, index, current.length - index - 1);
        byChannel.put(entry.channel, next);
    }

    Entry[] handlers(String channel) {
        Entry[] entries = byChannel.get(channel);
        return entries == null ? NONE : entries;
    }

    boolean has(String channel) {
        return byChannel.containsKey(channel);
    }

    /** A live, unmodifiable view of the channels with at least one handler. */
    Set<String> channels() {
        return channels;
    }

    /** Sets who is told of each subscription that ends (one at a time: a new dispatcher replaces the last). */
    void onRemoved(Consumer<Entry> listener) {
        this.removed = listener;
    }

    long version() {
        return version;
    }

    /** One handler on one channel. */
    static final class Entry implements Subscription {
        final String channel;
        final NotificationHandler handler;
        private final Subscriptions owner;
        volatile boolean active = true;
        volatile Runnable onChange = () -> {};

        Entry(String channel, NotificationHandler handler, Subscriptions owner) {
            this.channel = channel;
            this.handler = handler;
            this.owner = owner;
        }

        @Override
        public String channel() {
            return channel;
        }

        @Override
        public void unsubscribe() {
            if (active) {
                active = false;
                owner.remove(this);
                owner.removed.accept(this);
                onChange.run();
            }
        }

        @Override
        public String toString() {
            return "Subscription[channel=" + channel + ", active=" + active + "]";
        }
    }
}
