package io.pgnotify.sample.live;

import io.pgnotify.spring.PgNotifyTemplate;
import java.util.Map;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** The page's API: the live stream of notifications, and publishing to any channel. */
@RestController
@RequestMapping("/api")
class PublishController {

    private final LiveFeed feed;
    private final PgNotifyTemplate notify;

    PublishController(LiveFeed feed, PgNotifyTemplate notify) {
        this.feed = feed;
        this.notify = notify;
    }

    @GetMapping(path = "/feed", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter feed() {
        return feed.open();
    }

    @PostMapping("/publish")
    ResponseEntity<PublishRequest> publish(@RequestBody PublishRequest request) {
        notify.publish(request.channel(), request.payload());
        return ResponseEntity.accepted().body(request);
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ResponseEntity<Map<String, String>> invalid(IllegalArgumentException e) {
        return ResponseEntity.badRequest().body(Map.of("error", String.valueOf(e.getMessage())));
    }

    @ExceptionHandler(DataAccessException.class)
    ResponseEntity<Map<String, String>> unavailable(DataAccessException e) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .body(Map.of("error", String.valueOf(e.getMostSpecificCause().getMessage())));
    }

    /**
     * What the page's form sends.
     *
     * @param channel the channel, exact and case-sensitive
     * @param payload the payload, possibly empty
     */
    record PublishRequest(String channel, String payload) {
        PublishRequest {
            if (channel == null) {
                throw new IllegalArgumentException("'channel' is required");
            }
            payload = payload == null ? "" : payload;
        }
    }
}
