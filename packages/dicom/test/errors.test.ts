import { DicomError, DicomErrorCode, decodePdu, isDicomError } from '../src/index.js'

describe('DicomError and isDicomError', () => {
  it('has one SCREAMING key per code, each GSLB_DICOM_<KEY>', () => {
    for (const [key, code] of Object.entries(DicomErrorCode)) expect(code).toBe(`GSLB_DICOM_${key}`)
  })

  it('carries code, path and cause', () => {
    const cause = new Error('underneath')
    const error = new DicomError(DicomErrorCode.OPTIONS_INVALID, "invalid option 'port'", {
      path: 'port',
      cause,
    })
    expect(error).toMatchObject({ name: 'DicomError', code: 'GSLB_DICOM_OPTIONS_INVALID', path: 'port' })
    expect(error.cause).toBe(cause)
    expect(new DicomError(DicomErrorCode.MALFORMED_PDU, 'x').path).toBeUndefined()
    expect('cause' in new DicomError(DicomErrorCode.MALFORMED_PDU, 'x')).toBe(false)
  })

  it('knows every code, also on an error from another copy of the package', () => {
    for (const code of Object.values(DicomErrorCode)) {
      expect(isDicomError(new DicomError(code, 'x'))).toBe(true)
      expect(isDicomError(Object.assign(new Error('x'), { name: 'DicomError', code }))).toBe(true)
    }
  })

  it.each([
    ['an unknown code', Object.assign(new Error('x'), { name: 'DicomError', code: 'GSLB_DICOM_NOT_A_CODE' })],
    [
      "another package's error",
      Object.assign(new Error('x'), { name: 'HealthError', code: 'GSLB_DICOM_CLOSED' }),
    ],
    ['an error without a code', Object.assign(new Error('x'), { name: 'DicomError' })],
    ['a plain object shaped like one', { name: 'DicomError', code: 'GSLB_DICOM_CLOSED', message: 'x' }],
    ['a plain Error', new Error('x')],
    ['null', null],
    ['undefined', undefined],
    ['a string', 'GSLB_DICOM_CLOSED'],
  ])('refuses %s', (_what, value) => {
    expect(isDicomError(value)).toBe(false)
  })

  it('is what the codec throws', () => {
    let thrown: unknown
    try {
      decodePdu(Buffer.from([0x16, 3, 1, 0, 0x10]))
    } catch (error) {
      thrown = error
    }
    expect(isDicomError(thrown)).toBe(true)
    expect(thrown).toMatchObject({ code: DicomErrorCode.UNRECOGNIZED_PDU })
  })
})
