package io.pgnotify.sample;

import io.pgnotify.sample.cache.ProductCache;
import io.pgnotify.sample.jobs.EmailOutbox;
import io.pgnotify.sample.jobs.EmailSender;
import io.pgnotify.sample.jobs.JobRunner;
import io.pgnotify.sample.settings.LiveSettings;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** What each use case currently holds, and how to publish: shown on the page. */
@RestController
class StateController {

    private final ProductCache cache;
    private final EmailOutbox outbox;
    private final EmailSender sender;
    private final JobRunner jobs;
    private final LiveSettings settings;
    private final HowToPublish howTo;

    StateController(
            ProductCache cache,
            EmailOutbox outbox,
            EmailSender sender,
            JobRunner jobs,
            LiveSettings settings,
            HowToPublish howTo) {
        this.sender = sender;
        this.cache = cache;
        this.outbox = outbox;
        this.jobs = jobs;
        this.settings = settings;
        this.howTo = howTo;
    }

    @GetMapping("/api/state")
    Map<String, Object> state() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("cachedProducts", cache.keys());
        state.put("cacheFlushes", cache.flushes());
        state.put("emailsSent", sender.sent());
        state.put("durableGroups", String.join("; ", outbox.groups()));
        state.put("lastReport", jobs.lastReport().orElse("none yet"));
        state.put("greeting", settings.get("greeting").orElse("(not set)"));
        state.put("commands", howTo.commands());
        return state;
    }
}
