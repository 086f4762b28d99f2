def test_the_cast_builds_two_open_studies_with_cases(cast):
    assert cast.alpha.study.state == "open"
    assert len(cast.alpha.cases) == 2
    assert cast.alpha.cases[0].series.get().instances.count() == 3
