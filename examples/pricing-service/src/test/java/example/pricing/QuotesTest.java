package example.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class QuotesTest {
  @Test
  void midIsTheAverageOfBidAndAsk() {
    assertThat(Quotes.mid("EURUSD")).isEqualTo(1.0842);
  }

  @Test
  void unknownSymbolIsRefused() {
    assertThatThrownBy(() -> Quotes.mid("XXXYYY")).hasMessageContaining("unknown symbol");
  }

  @Test
  void unstampedJarReportsUnregistered() {
    assertThat(PricingService.serial()).isEqualTo("unregistered");
  }
}
