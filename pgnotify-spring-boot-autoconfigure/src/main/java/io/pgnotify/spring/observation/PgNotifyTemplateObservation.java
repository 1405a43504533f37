package io.pgnotify.spring.observation;

import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.docs.ObservationDocumentation;

/** The {@code pgnotify.publish} observation and its key names. */
public enum PgNotifyTemplateObservation implements ObservationDocumentation {

    /** One send of the {@link io.pgnotify.spring.PgNotifyTemplate}: one notification, or a list of them. */
    TEMPLATE_OBSERVATION {
        @Override
        public String getName() {
            return "pgnotify.publish";
        }

        @Override
        public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
            return DefaultPgNotifyTemplateObservationConvention.class;
        }

        @Override
        public KeyName[] getLowCardinalityKeyNames() {
            return TemplateLowCardinalityTags.values();
        }

        @Override
        public KeyName[] getHighCardinalityKeyNames() {
            return TemplateHighCardinalityTags.values();
        }
    };

    /** Keys on both the span and the meter. */
    public enum TemplateLowCardinalityTags implements KeyName {

        /** The channel; on meters its distinct values are capped by {@code pgnotify.metrics.max-channel-tags}. */
        CHANNEL {
            @Override
            public String asString() {
                return "channel";
            }
        },

        /** Always {@code postgresql}. */
        MESSAGING_SYSTEM {
            @Override
            public String asString() {
                return "messaging.system";
            }
        },

        /** Always {@code send}. */
        MESSAGING_OPERATION_TYPE {
            @Override
            public String asString() {
                return "messaging.operation.type";
            }
        }
    }

    /** Keys on the span only (see {@link PgNotifyListenerObservation.ListenerHighCardinalityTags} for why). */
    public enum TemplateHighCardinalityTags implements KeyName {

        /** The channel. */
        MESSAGING_DESTINATION_NAME {
            @Override
            public String asString() {
                return "messaging.destination.name";
            }
        },

        /** How many notifications the send carries. */
        MESSAGING_BATCH_MESSAGE_COUNT {
            @Override
            public String asString() {
                return "messaging.batch.message_count";
            }
        }
    }
}
