package io.pgnotify.readme;

import io.micrometer.common.KeyValues;
import io.pgnotify.spring.observation.DefaultPgNotifyListenerObservationConvention;
import io.pgnotify.spring.observation.PgNotifyListenerObservationContext;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

@Component
class RegionObservationConvention extends DefaultPgNotifyListenerObservationConvention {

    private final String region;

    RegionObservationConvention(@Value("${app.region:eu-west}") String region) {
        this.region = region;
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(PgNotifyListenerObservationContext context) {
        return super.getLowCardinalityKeyValues(context).and("region", region);
    }
}
