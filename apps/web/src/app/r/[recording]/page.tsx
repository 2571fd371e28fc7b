import { ReviewRoute } from "../../../components/ReviewRoute.tsx";

// A recording's review room. The token is in the link's fragment: the page is all client side.
export default async function ReviewPage({ params }: { params: Promise<{ recording: string }> }) {
  const { recording } = await params;
  return <ReviewRoute recording={recording} />;
}
