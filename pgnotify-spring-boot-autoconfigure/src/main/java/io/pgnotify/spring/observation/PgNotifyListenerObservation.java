package io.pgnotify.spring.observation;

import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.docs.ObservationDocumentation;

/** The {@code pgnotify.handle} observation and its key names. */
public enum PgNotifyListenerObservation implements ObservationDocumentation {

    /** One notification handled by one {@link io.pgnotify.spring.PgListener} method. */
    LISTENER_OBSERVATION {
        @Override
        public String getName() {
            return "pgnotify.handle";
        }

        @Override
        public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
            return DefaultPgNotifyListenerObservationConvention.class;
        }

        @Override
        public KeyName[] getLowCardinalityKeyNames() {
            return ListenerLowCardinalityTags.values();
        }

        @Override
        public KeyName[] getHighCardinalityKeyNames() {
            return ListenerHighCardinalityTags.values();
        }
    };

    /** Keys on both the span and the meter. */
    public enum ListenerLowCardinalityTags implements KeyName {

        /** The channel; on meters its distinct values are capped by {@code pgnotify.metrics.max-channel-tags}. */
        CHANNEL {
            @Override
            public String asString() {
                return "channel";
            }
        },

        /** The listener's id. */
        LISTENER_ID {
            @Override
            public String asString() {
                return "listener";
            }
        },

        /** Always {@code postgresql}. */
        MESSAGING_SYSTEM {
            @Override
            public String asString() {
                return "messaging.system";
            }
        },

        /** Always {@code process}. */
        MESSAGING_OPERATION_TYPE {
            @Override
            public String asString() {
                return "messaging.operation.type";
            }
        },

        /** The consumer group of a durable listener; {@code none} for a plain one. */
        MESSAGING_CONSUMER_GROUP_NAME {
            @Override
            public String asString() {
                return "messaging.consumer.group.name";
            }
        }
    }

    /**
     * Keys on the span only. The destination is the channel again, but as a meter tag it would escape the channel
     * tag's cap, so meters carry {@code channel} alone.
     */
    public enum ListenerHighCardinalityTags implements KeyName {

        /** The channel. */
        MESSAGING_DESTINATION_NAME {
            @Override
            public String asString() {
                return "messaging.destination.name";
            }
        },

        /** The process id of the backend that sent the notification. */
        MESSAGING_SENDER_PID {
            @Override
            public String asString() {
                return "pgnotify.sender.pid";
            }
        }
    }
}
